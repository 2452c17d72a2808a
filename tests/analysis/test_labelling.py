"""`interviewer codebook label` and `codebook agree` as a coder runs them: the real command, answers on stdin."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bot.analysis.labelling import Part, coder_agreement, draw, part_of, plan
from bot.analysis.labels import read_labels
from bot.analysis.stats import cohen_kappa, gwet_ac1
from bot.errors import AnalysisInputError
from tests.support.cli import run
from tests.support.synth import CODEBOOK, generate

CODES = """codes:
  - id: stigma
    label: Hides AI use because of judgement
    definition: The participant conceals using AI at work because colleagues or managers disapprove of it.
    include: [fear of being judged as lazy]
    exclude: [hiding it for confidentiality reasons]
  - id: time
    label: AI saves time on routine work
    definition: The participant uses AI to do routine or administrative tasks faster and save time.
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    generate(per_group=4).write_csv(tmp_path / "interviews.csv")  # 12 interviews
    (tmp_path / "codes.yaml").write_text(CODES, encoding="utf-8")
    return tmp_path


def _label(folder: Path, answers: list[str], *extra: str, out: str = "gold.csv", n: str = "4"):  # type: ignore[no-untyped-def]
    args = ["codebook", "label", "interviews.csv", "--codebook", "codes.yaml", "--n", n, "--out", out]
    return run([*args, *extra], folder, stdin="".join(f"{a}\n" for a in answers))


def _sample(folder: Path, n: int = 4, seed: int = 1) -> list[str]:
    ids = [d.code for d in generate(per_group=4).docs]
    assert (folder / "interviews.csv").exists()
    return draw(ids, n, seed)


def test_label_codes_a_seeded_random_sample_and_writes_the_gold_file_analyze_reads(folder: Path) -> None:
    result = _label(folder, ["y", "n"] * 4)
    assert result.returncode == 0, result.stderr
    sample = _sample(folder)
    assert read_labels(folder / "gold.csv") == {i: {"stigma": True, "time": False} for i in sample}
    rows = (folder / "gold.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "transcript_id,stigma,time" and [r.split(",")[0] for r in rows[1:]] == sample
    # the coder sees the participant's answers and, for each code, its label, definition, include and exclude
    assert "Interview 1 of 4: " + sample[0] in result.stdout
    assert (
        "A: Yes, sounds good." in result.stdout and "Q: Could you tell me how AI tools fit" in result.stdout
    )
    assert "The participant conceals using AI at work" in result.stdout
    assert "counts: fear of being judged as lazy" in result.stdout
    assert "does not count: hiding it for confidentiality reasons" in result.stdout
    assert "All 8 answers saved" in result.stdout and "--gold gold.csv" in result.stdout


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(folder: Path) -> None:
    assert _label(folder, ["y"] * 4, "--seed", "5", n="2").returncode == 0
    assert _label(folder, ["n"] * 4, "--seed", "6", n="2", out="other.csv").returncode == 0
    assert list(read_labels(folder / "gold.csv")) == _sample(folder, 2, 5)
    assert list(read_labels(folder / "other.csv")) == _sample(folder, 2, 6) != _sample(folder, 2, 5)


def test_every_answer_is_saved_at_once_and_the_next_run_resumes_where_it_stopped(folder: Path) -> None:
    sample = _sample(folder)
    first = _label(folder, ["y", "n", "n"])  # then the input ends (Ctrl-D, or a script's answers run out)
    assert first.returncode == 1, first.stderr  # unfinished: a script can tell, and nothing is lost
    assert "3 of 8 answers saved" in first.stdout and "The input ended before every answer" in first.stdout
    assert read_labels(folder / "gold.csv") == {
        sample[0]: {"stigma": True, "time": False},
        sample[1]: {"stigma": False},
    }
    second = _label(folder, ["y", "s", "y", "n", "n"])
    assert second.returncode == 0, second.stderr
    assert "3 of 8 answered before" in second.stdout
    assert f"Interview 1 of 4: {sample[0]}" not in second.stdout  # it starts in interview 2, at code 2
    assert second.stdout.index(f"Interview 2 of 4: {sample[1]}") < second.stdout.index("Code 2 of 2")
    assert read_labels(folder / "gold.csv") == {
        sample[0]: {"stigma": True, "time": False},
        sample[1]: {"stigma": False, "time": True},
        sample[2]: {"time": True},  # skipped: blank, not absent
        sample[3]: {"stigma": False, "time": False},
    }
    progress = json.loads((folder / "gold.csv.progress.json").read_text(encoding="utf-8"))
    assert progress["plan"]["interviews"] == sample


def test_b_goes_back_one_answer_and_q_quits_with_everything_saved(folder: Path) -> None:
    sample = _sample(folder)
    result = _label(folder, ["y", "y", "b", "n", "maybe", "", "y", "q"])
    assert result.returncode == 0, result.stderr
    assert "answered before: yes" in result.stdout and "'maybe' is not an answer" in result.stdout
    assert "'' is not an answer" in result.stdout  # a stray Enter is asked again, not taken as a skip
    assert read_labels(folder / "gold.csv") == {
        sample[0]: {"stigma": True, "time": False},
        sample[1]: {"stigma": True},
    }
    assert "3 of 8 answers saved" in result.stdout


def test_two_coders_split_a_sample_with_a_shared_overlap_then_compare(folder: Path) -> None:
    sample = _sample(folder, 8)
    one = _label(
        folder, ["y", "y"] * 5, "--part", "1/2", "--overlap", "2", "--coder", "ana", n="8", out="a.csv"
    )
    two = _label(folder, ["y", "n"] * 5, "--part", "2/2", "--overlap", "2", n="8", out="b.csv")
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    a, b = read_labels(folder / "a.csv"), read_labels(folder / "b.csv")
    assert list(a) == sample[:2] + sample[2::2] and list(b) == sample[:2] + sample[3::2]
    assert set(a) & set(b) == set(sample[:2]) and set(a) | set(b) == set(sample)
    agree = run(["codebook", "agree", "a.csv", "b.csv"], folder)
    assert agree.returncode == 0, agree.stderr
    lines = [" ".join(line.replace("│", " ").split()) for line in agree.stdout.splitlines()]
    assert "stigma 2 n/a 1.00 100%" in lines  # both coders said yes twice: kappa undefined, AC1 perfect
    assert "time 2 0.00 -1.00 0%" in lines  # one said yes, the other no, every time
    assert f"time: disagree on {sample[0]}, {sample[1]}" in agree.stdout
    refused = run(["codebook", "agree", "a.csv", "b.csv", "--merged", "gold.csv"], folder)
    assert refused.returncode == 2 and "2 answer(s) still differ" in refused.stderr
    assert not (folder / "gold.csv").exists()


def test_agree_merges_two_coders_files_into_one_gold_file_once_they_agree(folder: Path) -> None:
    (folder / "a.csv").write_text("transcript_id,stigma,time\nx1,1,0\nx2,0,\n", encoding="utf-8")
    (folder / "b.csv").write_text("transcript_id,stigma,time\nx2,0,1\nx3,1,1\n", encoding="utf-8")
    result = run(["codebook", "agree", "a.csv", "b.csv", "--merged", "gold.csv"], folder)
    assert result.returncode == 0, result.stderr
    assert "No disagreements." in result.stdout and "3 interview(s) written to gold.csv" in result.stdout
    assert read_labels(folder / "gold.csv") == {
        "x1": {"stigma": True, "time": False},
        "x2": {"stigma": False, "time": True},  # one coder skipped time, the other coded it
        "x3": {"stigma": True, "time": True},
    }
    same = run(["codebook", "agree", "a.csv", "b.csv", "--merged", "a.csv"], folder)
    assert same.returncode == 2 and "is one of the coders' files" in same.stderr
    (folder / "gold.csv").write_text("someone else's file\n", encoding="utf-8")
    again = run(["codebook", "agree", "a.csv", "b.csv", "--merged", "gold.csv"], folder)
    assert again.returncode == 2 and "exists" in again.stderr and "--force" in again.stderr
    assert (folder / "gold.csv").read_text(encoding="utf-8") == "someone else's file\n"  # kept as it was
    forced = run(["codebook", "agree", "a.csv", "b.csv", "--merged", "gold.csv", "--force"], folder)
    assert forced.returncode == 0 and len(read_labels(folder / "gold.csv")) == 3


def test_parts_are_disjoint_apart_from_the_overlap_and_cover_the_sample() -> None:
    sample = [f"i{k}" for k in range(11)]
    parts = [part_of(sample, Part(k, 3), overlap=2) for k in (1, 2, 3)]
    assert all(p[:2] == ["i0", "i1"] for p in parts)
    rest = [p[2:] for p in parts]
    assert sorted(sum(rest, [])) == sorted(sample[2:]) and len(set(sum(rest, []))) == 9
    assert part_of(sample, None, overlap=2) == sample
    assert plan(sample, CODEBOOK, n=4, seed=3).interviews == draw(sample, 4, 3)


def test_coder_agreement_lists_kappa_ac1_share_and_disagreements() -> None:
    a = {"x1": {"c": True}, "x2": {"c": False}, "x3": {"c": True}, "x4": {"c": False}, "only_a": {"c": True}}
    b = {"x1": {"c": True}, "x2": {"c": True}, "x3": {"c": True}, "x4": {"c": False}}
    [row] = coder_agreement(a, b)
    x, y = [True, False, True, False], [True, True, True, False]
    assert (row.code, row.n, row.agreement, row.disagreements) == ("c", 4, 0.75, ["x2"])
    assert row.kappa == cohen_kappa(x, y) and row.ac1 == gwet_ac1(x, y)
    with pytest.raises(AnalysisInputError, match="share no interview"):
        coder_agreement({"x1": {"c": True}}, {"x9": {"c": True}})


def test_bad_part_and_too_large_n_are_refused() -> None:
    for text in ("2", "3/2", "0/2", "1/1", "a/b"):
        with pytest.raises(AnalysisInputError, match="--part"):
            Part.parse(text)
    with pytest.raises(AnalysisInputError, match="--n 5 is more than the 4"):
        draw(["a", "b", "c", "d"], 5, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--codebook", "missing.yaml"], "missing.yaml: no such codebook file"),
        (["--n", "50"], "--n 50 is more than the 12 interview(s)"),
        (["--out", "sub"], "--out sub is a folder"),
        (["--out", "interviews.csv"], "was not started by `codebook label`"),
        (["--part", "3/2"], "--part '3/2'"),
        (["--overlap", "2"], "--overlap only applies with --part"),
        (["--out", "codes.yaml/gold.csv"], "codes.yaml"),
    ],
)
def test_label_refuses_bad_input_with_a_fix_and_exit_2(folder: Path, args: list[str], message: str) -> None:
    (folder / "sub").mkdir()
    options = {"--codebook": "codes.yaml", "--n": "4", "--out": "gold.csv"}
    options |= dict(zip(args[::2], args[1::2], strict=True))
    base = ["codebook", "label", "interviews.csv", *[x for pair in options.items() for x in pair]]
    result = run(base, folder, stdin="y\n")
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_label_refuses_an_empty_csv_and_a_resume_with_another_seed(folder: Path) -> None:
    (folder / "empty.csv").write_text("", encoding="utf-8")
    empty = run(["codebook", "label", "empty.csv", "--codebook", "codes.yaml", "--out", "g.csv"], folder)
    assert empty.returncode == 2 and "empty.csv: is empty" in empty.stderr
    assert _label(folder, ["y"]).returncode == 1
    other = _label(folder, ["y"], "--seed", "2")
    assert other.returncode == 2
    assert (
        "gold.csv was started with --seed 1 --n 4" in other.stderr and "choose another --out" in other.stderr
    )


def test_agree_refuses_files_without_a_shared_interview(folder: Path) -> None:
    (folder / "a.csv").write_text("transcript_id,stigma\nx1,1\n", encoding="utf-8")
    (folder / "b.csv").write_text("transcript_id,stigma\nx2,1\n", encoding="utf-8")
    result = run(["codebook", "agree", "a.csv", "b.csv"], folder)
    assert result.returncode == 2 and "share no interview" in result.stderr and "--part 1/2" in result.stderr
    missing = run(["codebook", "agree", "a.csv", "nope.csv"], folder)
    assert missing.returncode == 2 and "nope.csv: no such file" in missing.stderr


def test_agree_refuses_files_that_share_interviews_but_no_code(folder: Path) -> None:
    """Two codebooks (or renamed columns) used to print a table of n/a, "No disagreements." and exit 0."""
    (folder / "a.csv").write_text("transcript_id,stigma,time\nx1,1,0\n", encoding="utf-8")
    (folder / "b.csv").write_text("transcript_id,privacy\nx1,1\n", encoding="utf-8")
    result = run(["codebook", "agree", "a.csv", "b.csv", "--merged", "gold.csv"], folder)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "error: the two files share 1 interview(s) but no code that both coded on them (first: stigma, "
        "time; second: privacy); code with the same codebook, whose code ids are the columns\n"
    )
    assert not (folder / "gold.csv").exists()


def test_a_hand_coded_sample_makes_the_report_lead_with_corrected_shares(tmp_path: Path) -> None:
    """The whole path: draw and hand-code a sample (answers from the planted truth), then analyze --gold."""
    synthetic = generate(per_group=12)
    synthetic.write_csv(tmp_path / "interviews.csv")
    (tmp_path / "codes.yaml").write_text(CODES, encoding="utf-8")
    sample = draw([d.code for d in synthetic.docs], 16, 1)
    answers = ["y" if synthetic.truth[i][code] else "n" for i in sample for code in ("stigma", "time")]
    coded = _label(tmp_path, answers, n="16")
    assert coded.returncode == 0, coded.stderr
    args = ["analyze", "interviews.csv", "--codebook", "codes.yaml", "--gold", "gold.csv", "--out", "report"]
    analysed = run(args, tmp_path)
    assert analysed.returncode == 0, analysed.stderr
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    shares = md.split("## Code shares")[1]
    assert "## Themes" in md and md.index("## Code shares") < md.index("## Themes")
    assert "Warning" not in md.split("## Overview")[0]
    table = [line for line in shares.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| code | definition | corrected share (95% CI) | uncorrected machine coding")
    assert "| AI saves time on routine work | The participant uses AI to do routine" in shares
    with (tmp_path / "report" / "prevalence.csv").open(encoding="utf-8") as f:
        overall = {r["code"]: r for r in csv.DictReader(f) if r["group"] == "all"}
    assert overall["time"]["gold_n"] == "16" and overall["time"]["corrected"]
    assert overall["time"]["more_gold_for_10_points"] != ""


def test_a_sitting_that_only_skipped_resumes_but_its_blank_file_is_not_taken_for_gold(folder: Path) -> None:
    """Skips are saved answers: the next sitting resumes after them, while `analyze --gold` refuses the file
    rather than running as if no gold had been given."""
    assert _label(folder, ["s", "s", "q"]).returncode == 0  # q quits: the coder's choice, exit 0
    again = _label(folder, ["y"])
    assert again.returncode == 1 and "2 of 8 answered before" in again.stdout, again.stderr
    (folder / "blank.csv").write_text("transcript_id,stigma,time\nx1,,\n", encoding="utf-8")
    refused = run(
        ["analyze", "interviews.csv", "--codebook", "codes.yaml", "--gold", "blank.csv", "--out", "r"], folder
    )
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("error: blank.csv: every code cell is blank, so no interview is coded")
    assert not (folder / "r").exists()
