"""`interviewer analyze` with the files researchers really pass: half-finished gold files with typos, a
transcript file where labels belong, a corpus with broken rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.test_analysis import CODEBOOK
from tests.support.cli import run
from tests.support.synth import Synthetic, generate


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    return generate(per_group=12)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, synthetic: Synthetic) -> Path:
    folder = tmp_path_factory.mktemp("gold")
    synthetic.write_csv(folder / "interviews.csv")
    (folder / "codes.yaml").write_text(CODEBOOK, encoding="utf-8")
    return folder


def _coded(report: Path) -> dict[tuple[str, str], tuple[str, str]]:
    with (report / "codes.csv").open(encoding="utf-8", newline="") as f:
        return {(r["interview"], r["code"]): (r["present"], r["source"]) for r in csv.DictReader(f)}


def test_a_few_gold_labels_neither_recalibrate_coding_nor_pass_for_a_correction(
    folder: Path, synthetic: Synthetic
) -> None:
    base = ["analyze", "interviews.csv", "--codebook", "codes.yaml"]
    plain = run([*base, "--out", "plain"], folder)
    assert plain.returncode == 0, plain.stderr
    labelled = [d.code for d in synthetic.docs[:3]]
    rows = [
        f"{i},{int(synthetic.truth[i]['reliability'])},{int(synthetic.truth[i]['time'])},1" for i in labelled
    ]
    (folder / "few.csv").write_text(
        "transcript_id,reliability,time,extra_code\n" + "\n".join([*rows, "no-such-interview,1,0,1"]) + "\n",
        encoding="utf-8",
    )
    few = run([*base, "--gold", "few.csv", "--out", "few"], folder)
    assert few.returncode == 0, few.stderr
    # the typo'd id and the column that is no code are named on screen and in the report
    assert "note: The gold file has 1 interview id(s) that are not in the corpus" in few.stderr, few.stderr
    assert "no-such-interview" in few.stderr and "extra_code" in few.stderr
    report = (folder / "few" / "report.md").read_text(encoding="utf-8")
    assert "no-such-interview" in report and "too few to correct them" in report
    notes = json.loads((folder / "few" / "analysis.json").read_text(encoding="utf-8"))["notes"]
    assert any("too few gold labels to calibrate" in n for n in notes), notes
    # three labels change nothing but the three hand-coded interviews themselves
    before, after = _coded(folder / "plain"), _coded(folder / "few")
    assert before.keys() == after.keys()
    for key, (present, source) in after.items():
        if key[0] in labelled:
            assert source == "gold" and present == str(int(synthetic.truth[key[0]][key[1]])), key
        else:
            assert (present, source) == before[key], key


def test_a_transcript_file_given_as_gold_is_refused_without_quoting_it(
    folder: Path, synthetic: Synthetic
) -> None:
    result = run(["validate", "--codes", "interviews.csv", "--gold", "interviews.csv"], folder)
    assert result.returncode == 2
    assert "is this a transcript file?" in result.stderr, result.stderr
    first_answer = synthetic.texts[synthetic.docs[0].code][:60]
    assert first_answer not in result.stderr and len(result.stderr) < 400


def test_every_row_left_out_of_the_corpus_is_listed_in_the_report(folder: Path) -> None:
    good = (folder / "interviews.csv").read_text(encoding="utf-8")
    bad = ',"User: an answer whose interview has no id",teacher\n'
    (folder / "broken.csv").write_text(good + bad + bad, encoding="utf-8")
    lines = len(good.splitlines())
    result = run(["analyze", "broken.csv", "--out", "broken"], folder)
    assert result.returncode == 0, result.stderr
    report = (folder / "broken" / "report.md").read_text(encoding="utf-8")
    assert "2 problem(s) reading the input" in report
    assert f"broken.csv:{lines + 1}:" in report and f"broken.csv:{lines + 2}:" in report, report
