"""Label files, agreement with a gold subset and `interviewer validate` as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analysis.agreement import agreement, statistic, summary
from bot.analysis.labels import read_any, read_coded, read_labels, write_labels
from bot.analysis.model import Interval
from bot.errors import LabelFileError
from tests.support.cli import run


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_label_file_round_trips_with_blanks_skipped(tmp_path: Path) -> None:
    labels = {"i2": {"stigma": True, "worry": False}, "i1": {"stigma": False}}
    write_labels(tmp_path / "gold.csv", labels, ["stigma", "worry"])
    assert read_labels(tmp_path / "gold.csv") == labels
    assert (tmp_path / "gold.csv").read_text().splitlines() == [
        "transcript_id,stigma,worry",
        "i1,0,",
        "i2,1,0",
    ]


def test_label_values_accept_words_and_a_utf8_bom(tmp_path: Path) -> None:
    path = _write(tmp_path / "g.csv", "\ufeffInterview,a,b\nx,yes,False\ny, TRUE ,no\n\n")
    assert read_labels(path) == {"x": {"a": True, "b": False}, "y": {"a": True, "b": False}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("id,a\nx,1\n", "no id column"),
        ("transcript_id,a\nx,1\ny,maybe\n", "g.csv:3: column 'a' has 'maybe'; use 1 (present) or 0"),
        ("transcript_id,a\nx,1\nx,0\n", "g.csv:3: 'x' is listed again (first on line 2)"),
        ("transcript_id,a,a\nx,1,1\n", "column 'a' appears twice"),
        ("transcript_id,a\n", "no rows"),
        ("transcript_id\nx\n", "only an id column"),
        ("transcript_id,a\n,1\n", "g.csv:2: the id column is blank"),
        ("transcript_id,a\nx,1,1\n", "g.csv:2: 3 cells but the header names 2 columns"),
        (
            "transcript_id,a,b,c\nx,1,0,1\ny,1\n",
            "g.csv:3: 2 cells but the header names 4 columns; the row is cut",
        ),
        ('transcript_id,a\nx,"1\n', "unreadable CSV"),
    ],
)
def test_bad_label_files_say_where_and_how_to_fix(tmp_path: Path, content: str, message: str) -> None:
    path = _write(tmp_path / "g.csv", content)
    with pytest.raises(LabelFileError, match=None) as info:
        read_labels(path)
    assert message in str(info.value)


def test_binary_non_utf8_and_missing_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_bytes(b"transcript_id,a\x00\x01\x02")
    (tmp_path / "l.csv").write_bytes("transcript_id,a\ncaf\u00e9,1\n".encode("latin-1"))
    for name, message in [
        ("b.csv", "looks binary"),
        ("l.csv", "not UTF-8 text"),
        ("none.csv", "no such file"),
    ]:
        with pytest.raises(LabelFileError) as info:
            read_any(tmp_path / name)
        assert message in str(info.value) and name in str(info.value)


def test_codes_table_reads_into_the_same_shape(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "codes.csv",
        "interview,code,present,score,evidence,source\n"
        'i1,stigma,1,0.91,"I hide it | nobody knows",model\n'
        "i1,worry,0,0.12,,model\ni2,stigma,0,0.3,,classifier\n",
    )
    expected = {"i1": {"stigma": True, "worry": False}, "i2": {"stigma": False}}
    assert read_coded(path) == expected == read_any(path)
    _write(tmp_path / "dup.csv", "interview,code,present\ni1,a,1\ni1,a,0\n")
    with pytest.raises(LabelFileError, match="has code 'a' twice"):
        read_coded(tmp_path / "dup.csv")
    _write(tmp_path / "short.csv", "interview,code\ni1,a\n")
    with pytest.raises(LabelFileError, match="missing present"):
        read_coded(tmp_path / "short.csv")


def test_gold_rows_of_a_codes_table_are_left_out_unless_asked_for(tmp_path: Path) -> None:
    """They are the hand-coded labels copied in: comparing them with the gold file compares it with itself."""
    path = _write(
        tmp_path / "codes.csv",
        "interview,code,present,score,evidence,source\ni1,a,1,1,,gold\ni2,a,0,0.2,,classifier\n",
    )
    assert read_coded(path) == {"i2": {"a": False}}
    assert read_coded(path, gold_rows=True) == {"i1": {"a": True}, "i2": {"a": False}}
    only_gold = _write(tmp_path / "g.csv", "interview,code,present,source\ni1,a,1,gold\n")
    with pytest.raises(LabelFileError, match="1 row\\(s\\) with source gold"):
        read_coded(only_gold)


def test_agreement_on_constructed_labels() -> None:
    """Code a: 20 both yes, 5 and 10 disagreements, 15 both no (kappa 0.4); code b agrees perfectly."""
    cells = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    coded = {f"i{n}": {"a": bool(c), "b": n % 3 == 0} for n, (c, _) in enumerate(cells)}
    gold = {f"i{n}": {"a": bool(g), "b": n % 3 == 0} for n, (_, g) in enumerate(cells)}
    gold["extra"] = {"a": True}  # not coded: left out
    coded["i0"].pop("b")  # not coded for b: left out of b only
    a, b = agreement(coded, gold)
    assert (a.code, a.n, a.positives, a.negatives, b.code, b.n) == ("a", 50, 30, 20, "b", 49)
    assert a.kappa is not None and a.ac1 is not None and a.f1 is not None
    assert a.kappa.estimate == pytest.approx(0.4) and a.ac1.estimate == pytest.approx((0.7 - 0.495) / 0.505)
    assert a.precision == pytest.approx(20 / 25) and a.recall == pytest.approx(20 / 30)
    assert a.prevalence_coded == pytest.approx(0.5) and a.prevalence_gold == pytest.approx(0.6)
    assert a.prevalence_error.estimate == pytest.approx(-0.1)
    assert a.prevalence_error.low < -0.1 < a.prevalence_error.high
    assert b.kappa is not None and b.f1 is not None
    assert b.kappa.estimate == pytest.approx(1.0) and b.f1.estimate == pytest.approx(1.0)
    assert b.prevalence_error.estimate == 0


def test_kappa_ac1_and_f1_have_seeded_bootstrap_intervals_that_narrow_with_more_gold() -> None:
    """Same table of agreement at 50 and at 500 interviews: the interval shrinks about threefold."""
    cells = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    small = agreement(*_labels(cells))[0]
    again = agreement(*_labels(cells))[0]
    large = agreement(*_labels(cells * 10))[0]
    assert small.kappa == again.kappa  # seeded: the same figures every run
    for row in (small, large):
        for value in (row.kappa, row.ac1, row.f1):
            assert value is not None and value.low < value.estimate < value.high
    assert small.kappa is not None and large.kappa is not None
    assert 0.1 < small.kappa.low < 0.25 and 0.55 < small.kappa.high < 0.7
    assert (large.kappa.high - large.kappa.low) < 0.45 * (small.kappa.high - small.kappa.low)


def test_a_handful_of_gold_interviews_gives_the_whole_range_not_a_certain_looking_interval() -> None:
    """Two interviews that happen to agree: kappa 1.00, and nothing is known about it."""
    row = agreement(*_labels([(1, 1), (0, 0)]))[0]
    assert row.kappa is not None and (row.kappa.estimate, row.kappa.low, row.kappa.high) == (1.0, -1.0, 1.0)
    assert row.f1 is not None and (row.f1.low, row.f1.high) == (0.0, 1.0)
    over = agreement(*_labels([(1, 0), (1, 0), (0, 0)]))[0]  # +67 points; a normal interval passes +100
    assert over.prevalence_error.high == 1.0 and over.prevalence_error.low > 0
    assert statistic(Interval(-0.001, -0.004, 0.08)) == "0.00 (0.00 to 0.08)"  # never "-0.00"


def _labels(cells: list[tuple[int, int]]) -> tuple[dict[str, dict[str, bool]], dict[str, dict[str, bool]]]:
    coded = {f"i{n}": {"a": bool(c)} for n, (c, _) in enumerate(cells)}
    gold = {f"i{n}": {"a": bool(g)} for n, (_, g) in enumerate(cells)}
    return coded, gold


def test_a_code_with_few_gold_positives_or_a_low_kappa_interval_is_flagged() -> None:
    rare = [(1, 1)] * 3 + [(0, 0)] * 37  # perfect agreement, but only 3 gold positives
    weak = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15  # kappa 0.4, interval below 0.4
    strong = [(1, 1)] * 40 + [(1, 0)] * 2 + [(0, 1)] * 2 + [(0, 0)] * 40
    (r,), (w,), (s,) = (agreement(*_labels(c)) for c in (rare, weak, strong))
    assert r.warnings == [
        "only 3 gold interview(s) with the code and 37 without; hand-code more until each has 5 or more"
    ]
    assert len(w.warnings) == 1 and "below 0.4" in w.warnings[0]
    assert s.warnings == []
    assert "with a warning" in summary([r, w, s]) and "2 code(s) with a warning" in summary([r, w, s])


def test_agreement_without_overlap_is_an_error() -> None:
    with pytest.raises(ValueError, match="share no interview id"):
        agreement({"x": {"a": True}}, {"y": {"a": True}})
    with pytest.raises(ValueError, match="share no interview id"):
        agreement({"x": {"a": True}}, {"x": {"b": True}})


def test_validate_command_prints_intervals_gold_counts_warnings_and_a_summary(tmp_path: Path) -> None:
    gold = {f"i{n}": {"stigma": n % 2 == 0, "worry": n % 10 == 0} for n in range(40)}
    coded = {k: dict(v) for k, v in gold.items()}
    coded["i1"]["stigma"] = True  # one disagreement
    write_labels(tmp_path / "gold.csv", gold, ["stigma", "worry"])
    rows = ["interview,code,present,score,evidence,source"]
    rows += [f"{i},{c},{int(p)},0.5,,model" for i, codes in coded.items() for c, p in codes.items()]
    _write(tmp_path / "codes.csv", "\n".join(rows) + "\n")
    result = run(["validate", "--codes", "codes.csv", "--gold", "gold.csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "kappa (95% CI)" in out and "AC1 (95% CI)" in out and "gold +/-" in out
    assert "20/20" in out and "4/36" in out  # gold interviews with and without each code
    assert "0.95 (0.80 to 1.00)" in out  # stigma's kappa with its bootstrap interval
    assert "52%" in out and "50%" in out and "+2 pts (95% CI" in out  # stigma: 21/40 coded, 20/40 gold
    assert "Warning, worry: only 4 gold interview(s) with the code and 36 without" in out
    assert "2 code(s) over up to 40 interview(s): 2 with kappa >= 0.6" in out
    assert "accuracy" not in out.lower()


def test_validate_command_with_bad_files_fails_clearly(tmp_path: Path) -> None:
    _write(tmp_path / "gold.csv", "transcript_id,a\nx,1\ny,0\n")
    _write(tmp_path / "bad.csv", "transcript_id,a\nx,2\n")
    result = run(["validate", "--codes", "bad.csv", "--gold", "gold.csv"], tmp_path)
    assert result.returncode == 2
    assert "bad.csv:2: column 'a' has '2'; use 1 (present) or 0 (absent)" in result.stderr
    _write(tmp_path / "other.csv", "transcript_id,a\nz,1\n")
    result = run(["validate", "--codes", "other.csv", "--gold", "gold.csv"], tmp_path)
    assert result.returncode == 2 and "share no interview id" in result.stderr
    _write(tmp_path / "codes.csv", "interview,code,present,source\nx,a,1,gold\ny,a,0,gold\nz,a,1,model\n")
    result = run(["validate", "--codes", "codes.csv", "--gold", "gold.csv"], tmp_path)
    assert result.returncode == 2 and "holds the hand-coded labels themselves (source gold)" in result.stderr
    result = run(["validate", "--codes", "missing.csv", "--gold", "gold.csv"], tmp_path)
    assert result.returncode == 2 and "missing.csv: no such file" in result.stderr


def test_validate_names_the_gold_ids_and_columns_it_leaves_out(tmp_path: Path) -> None:
    """A typo in a gold id or column name used to show only as a smaller n in the table."""
    _write(tmp_path / "codes.csv", "transcript_id,stigma,worry\nx,1,0\ny,0,1\n")
    _write(tmp_path / "gold.csv", "transcript_id,stigma,wory\nx,1,0\ny,0,1\nxx,1,1\n")
    result = run(["validate", "--codes", "codes.csv", "--gold", "gold.csv"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "note: gold.csv: 1 interview id(s) are not in codes.csv and were left out: xx; check them for typos",
        "note: gold.csv: column(s) wory are not codes in codes.csv and were left out; name the columns "
        "after the code ids",
    ]
    assert "1 code(s) over up to 2 interview(s)" in result.stdout
