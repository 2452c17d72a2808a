"""`interviewer analyze` and `interviewer codebook draft` as a researcher runs them: real subprocesses."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from bot.analysis.codebook import load_codebook
from tests.support.cli import BIN, cli_env, run
from tests.support.paths import STUDIES
from tests.support.synth import PLANTED, generate

CODEBOOK = """codes:
  - id: reliability
    label: AI output is unreliable
    definition: The participant says AI makes mistakes or invents facts, so its output has to be verified.
    examples: ["It gets facts wrong, so I verify everything it says."]
  - id: time
    label: AI saves time
    definition: The participant uses AI to do routine or administrative tasks faster and save time.
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(per_group=12).write_csv(tmp_path_factory.mktemp("data") / "synthetic.csv")


@pytest.mark.long
def test_analyze_a_dataset_csv_writes_the_report_and_a_rerun_uses_the_cache(
    dataset: Path, tmp_path: Path
) -> None:
    (tmp_path / "codes.yaml").write_text(CODEBOOK, encoding="utf-8")
    args = ["analyze", str(dataset), "--by", "occupation", "--codebook", "codes.yaml", "--min-cell", "13"]
    args += ["--out", "report"]
    first = run(args, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "36 interview(s)" in first.stdout and "embed passages" in first.stderr
    out = tmp_path / "report"
    for name in ("report.html", "report.md", "analysis.json", "prevalence.csv", "quotes.csv"):
        assert (out / name).stat().st_size > 0, name
    data = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert data["interviews"] == 36 and data["group_field"] == "occupation"
    assert {p["group"] for p in data["prevalence"]} == {"all", "engineer", "nurse", "teacher"}
    assert {p["code"] for p in data["prevalence"]} == {"reliability", "time"}
    assert all(p["suppressed"] == (p["group"] != "all") for p in data["prevalence"])  # 12 per group < 13
    report = (out / "report.md").read_text(encoding="utf-8") + (out / "report.html").read_text(
        encoding="utf-8"
    )
    assert not [p for p in PLANTED if p in report]
    vectors = list((tmp_path / ".interviewer-cache" / "synthetic" / "vectors").rglob("*.npz"))
    assert vectors
    again = run([*args[:-1], "report2"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert list((tmp_path / ".interviewer-cache" / "synthetic" / "vectors").rglob("*.npz")) == vectors
    assert (
        json.loads((tmp_path / "report2" / "analysis.json").read_text(encoding="utf-8"))["themes"]
        == data["themes"]
    )


@pytest.mark.long
def test_commands_the_report_names_are_code_in_html_and_plain_code_spans_in_markdown(
    dataset: Path, tmp_path: Path
) -> None:
    """The banner, the method and the caveats name commands between backticks: report.html shows them as
    <code>, not as raw backticks, and report.md keeps them as code spans, not escaped (\\`)."""
    (tmp_path / "codes.yaml").write_text(CODEBOOK, encoding="utf-8")
    result = run(["analyze", str(dataset), "--codebook", "codes.yaml", "--out", "report"], tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    label = "interviewer codebook label <study|file.csv> --codebook codes.yaml --n 40 --out gold.csv"
    assert f"<code>{label.replace('<', '&lt;').replace('>', '&gt;')}</code>" in html  # the banner
    assert "Check it with <code>interviewer validate</code> before quoting the numbers." in html
    assert "with <code>interviewer codebook label</code> and pass it with <code>--gold</code>" in html
    assert "`" not in html
    assert f"`{label}`" in md
    assert "Check it with `interviewer validate` before quoting the numbers." in md
    assert "\\`" not in md and "\\<study" not in md


def test_codebook_draft_writes_a_codebook_that_loads(dataset: Path, tmp_path: Path) -> None:
    result = run(["codebook", "draft", str(dataset), "--out", "drafted.yaml"], tmp_path)
    assert result.returncode == 0, result.stderr
    codes = load_codebook(tmp_path / "drafted.yaml")
    assert len(codes) >= 4 and all(c.definition for c in codes)
    assert "edit the definitions" in result.stdout
    refused = run(["codebook", "draft", str(dataset), "--out", "drafted.yaml"], tmp_path)
    assert refused.returncode != 0 and "--force" in refused.stderr


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        (None, ["analyze", "missing.csv", "--out", "r"], "missing.csv: no such file"),
        ({"empty.csv": b""}, ["analyze", "empty.csv", "--out", "r"], "is empty"),
        ({"image.csv": b"\x89PNG\r\n\x1a\n\x00\x00"}, ["analyze", "image.csv", "--out", "r"], "looks binary"),
        (
            {"d.csv": b"transcript_id,text\nw1,User: hi there\n", "codes.yaml": b"codes:\n  - id: x\n"},
            ["analyze", "d.csv", "--codebook", "codes.yaml", "--out", "r"],
            "codes.yaml: codes[0] (id 'x'): field 'label'",
        ),
        (
            {"d.csv": b"transcript_id,text\nw1,User: hi there\n"},
            ["analyze", "d.csv", "--by", "occupation", "--out", "r"],
            "--by 'occupation': no interview has that field; the file has no column besides transcript_id and "
            "text; add one (e.g. occupation) to group by",
        ),
        (  # every turn on one line: used to say only that the interview had no participant answer
            {"d.csv": b'transcript_id,text\nw1,"AI: How do you use it? User: For email."\n'},
            ["analyze", "d.csv", "--out", "r"],
            "d.csv:2 (w1): 'User:' appears only inside a line, so no answer was found; start each turn on a "
            "new line with 'User:' (the participant) or 'AI:'/'Assistant:' (the interviewer)",
        ),
        (  # used to be found only once the sentence model had loaded, without naming the file
            {
                "d.csv": b"transcript_id,text\nw1,User: hi there\n",
                "codes.yaml": CODEBOOK.encode(),
                "gold.csv": b"transcript_id,reliability\nw9,1\n",
            },
            ["analyze", "d.csv", "--codebook", "codes.yaml", "--gold", "gold.csv", "--out", "r"],
            "error: gold.csv: none of the 1 interviews in the gold file is in the corpus (e.g. 'w9')",
        ),
        (None, ["analyze", "x.csv", "--mode", "magic", "--out", "r"], "--mode 'magic' is not one of"),
        (None, ["analyze", "no-such-study", "--out", "r"], "there is no study 'no-such-study'"),
        (
            {"d.csv": b"transcript_id,text\nw1,User: hi there\n", "gold.csv": b"\x00\x01"},
            ["analyze", "d.csv", "--gold", "gold.csv", "--out", "r"],
            "gold.csv: looks binary",
        ),
        (  # every interview skipped in `codebook label`: used to be dropped silently, as if no --gold
            {
                "d.csv": b"transcript_id,text\nw1,User: hi there\n",
                "codes.yaml": CODEBOOK.encode(),
                "gold.csv": b"transcript_id,reliability,time\nw1,,\n",
            },
            ["analyze", "d.csv", "--codebook", "codes.yaml", "--gold", "gold.csv", "--out", "r"],
            "gold.csv: every code cell is blank, so no interview is coded; write 1 (present) or 0",
        ),
    ],
)
def test_bad_inputs_exit_non_zero_with_a_message_that_says_what_to_fix(
    tmp_path: Path, setup: dict[str, bytes] | None, args: list[str], expected: str
) -> None:
    for name, content in (setup or {}).items():
        (tmp_path / name).write_bytes(content)
    result = run(args, tmp_path)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r").exists(), "a refused analysis leaves no empty --out folder behind"


def test_ctrl_c_stops_the_analysis_where_it_is(dataset: Path, tmp_path: Path) -> None:
    """The offline stages never await, so asyncio's Ctrl-C handling alone would let the whole run finish
    (and then discard it); the interrupt must stop the stage under way."""
    cache, report = tmp_path / "cache", tmp_path / "report"
    args = [str(BIN), "analyze", str(dataset), "--out", str(report), "--cache-dir", str(cache)]
    process = subprocess.Popen(args, cwd=tmp_path, env=cli_env(tmp_path), stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    said = [process.stderr.readline()]
    while said[-1] and len(said) < 10 and said[-1] != "embed passages: started\n":  # a log says where
        said.append(process.stderr.readline())
    assert said[0].startswith("Analysing 36 interview(s)") and said[-1] == "embed passages: started\n"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert f"interrupted; run the same command again to resume from {cache}" in err
    assert not report.exists(), "no report, nor an empty folder: --out is checked, not made, before the work"
    assert not list(cache.glob("stages/themes-*.json")), "stopped while embedding, not after every stage"


def test_another_studys_broken_file_does_not_stop_the_analysis_of_a_study(tmp_path: Path) -> None:
    studies = tmp_path / "studies"
    shutil.copytree(STUDIES, studies)
    (studies / "broken.yaml").write_text("id: broken\nplan: [\n", encoding="utf-8")
    env = {"STUDIES_DIR": str(studies)}
    for n in range(3):
        assert run(["demo", "--study", "scientists"], tmp_path, **env).returncode == 0, n
    result = run(["analyze", "scientists", "--out", "report"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert f"note: {studies / 'broken.yaml'} left out" in " ".join(result.stderr.split())
    assert (tmp_path / "report" / "report.md").exists()
    unknown = run(["analyze", "nosuch", "--out", "report2"], tmp_path, **env)
    assert unknown.returncode == 2 and "there is no study 'nosuch'" in unknown.stderr


def test_a_study_with_no_interview_to_analyse_is_refused_and_leaves_no_folder(tmp_path: Path) -> None:
    """A stopped interview is not analysed: the line says what to do, and no new folder is left behind,
    while a folder the researcher made is kept."""
    chat = run(["chat", "--study", "teachers", "--interviewer", "offline"], tmp_path, stdin="1\n1\nstop\n")
    assert chat.returncode == 0 and "Stopped." in chat.stdout, chat.stderr
    expected = (
        "error: study 'teachers' has no completed, consented interview to analyse yet (pilot and withdrawn "
        "interviews are never analysed); run interviews first, or import transcripts with "
        "`interviewer import FILE.csv --study teachers`"
    )
    (tmp_path / "mine").mkdir()
    for out in ("report", "nested/report", "mine"):
        result = run(["analyze", "teachers", "--out", out, "--cache-dir", "cache"], tmp_path)
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == [expected]
        assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["mine"]
    assert not list((tmp_path / "mine").iterdir())


def test_grouping_a_study_of_imported_transcripts_says_where_its_columns_went(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(
        'transcript_id,text,occupation\nw1,"AI: How do you use it?\nUser: For email.",nurse\n',
        encoding="utf-8",
    )
    imported = run(["import", "d.csv", "--study", "teachers"], tmp_path)
    assert imported.returncode == 0 and "left out: occupation" in imported.stderr
    result = run(["analyze", "teachers", "--by", "occupation", "--out", "r"], tmp_path)
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: --by 'occupation': no interview has that field; its interviews have no screening answers to "
        "group by (`interviewer import` keeps only transcript_id and text); analyze the CSV file itself to "
        "group by its further columns",
    )
    assert not (tmp_path / "r").exists()
