"""Small groups stay hidden: no hidden group's count can be worked out by subtracting the groups shown from
"all" (complementary suppression), in any table (code shares, role of AI, survey) or output (CSV, JSON,
report). Synthetic groups and labels only; the last tests run `interviewer analyze` as a researcher does.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.analysis.model import CodeAssignment, Doc
from bot.analysis.prevalence import Coded, prevalence
from bot.analysis.profiles import role_shares
from bot.analysis.suppression import UNKNOWN_GROUP, hidden_groups
from bot.analysis.survey import survey_stats
from tests.support.cli import run
from tests.support.synth import CODEBOOK, generate

MIN_CELL = 10


def _docs(sizes: Mapping[str, int]) -> list[Doc]:
    return [Doc(f"{g}_{i:03d}", {"job": g}) for g, n in sizes.items() for i in range(n)]


def _ranges(counts: Mapping[str, tuple[int, int | None]], hidden: set[str]) -> dict[str, range]:
    """What subtraction tells of each hidden group's count: `counts` is group -> (n, k) as a table shows it
    ("all" included, k None where hidden). The hidden groups' combined count is "all" less the groups
    shown; one hidden group has at most its n of it and the other hidden groups at most theirs."""
    all_n, all_k = counts["all"]
    assert all_k is not None
    k_hidden = all_k - sum(
        k for g, (_, k) in counts.items() if g != "all" and g not in hidden and k is not None
    )
    n_hidden = sum(counts[g][0] for g in hidden)
    assert sum(n for g, (n, _) in counts.items() if g != "all") == all_n  # "all" is the sum of the groups
    return {
        g: range(max(0, k_hidden - (n_hidden - counts[g][0])), min(counts[g][0], k_hidden) + 1)
        for g in hidden
    }


def _assert_protected(rows: list[dict[str, tuple[int, int | None]]]) -> set[str]:
    """Every row hides the same groups, at least two holding MIN_CELL participants together (or all of
    them), and leaves each hidden group's count open to at least two values."""
    hidden_sets = {frozenset(g for g, (_, k) in row.items() if k is None and g != "all") for row in rows}
    assert len(hidden_sets) == 1, hidden_sets
    hidden = set(next(iter(hidden_sets)))
    groups = set(rows[0]) - {"all"}
    if hidden and hidden != groups:
        assert len(hidden) >= 2 and sum(rows[0][g][0] for g in hidden) >= MIN_CELL
        for row in rows:
            assert all(len(r) >= 2 for r in _ranges(row, hidden).values()), row
    return hidden


@pytest.mark.parametrize(
    ("sizes", "hidden"),
    [
        ({"a": 30, "b": 20, "c": 4}, {"b", "c"}),
        ({"teacher": 35, "engineer": 25, "nurse": 16, "chef": 4}, {"chef", "nurse"}),
        ({"a": 30, "b": 20, "c": 15}, set()),
        ({"a": 30, "b": 10}, set()),  # exactly MIN_CELL is shown
        ({"a": 30, "b": 6, "c": 5}, {"b", "c"}),  # two small groups already hide each other
        ({"a": 40, "b": 12, "c": 9}, {"b", "c"}),
        ({"a": 40, "b": 3, "c": 2, "d": 1}, {"a", "b", "c", "d"}),  # not enough without the last group
        ({"a": 35, "b": 4}, {"a", "b"}),  # one other group: only "all" is left
        ({"a": 12, "b": 12, "c": 1}, {"a", "c"}),  # ties: by name, so every run hides the same groups
        ({"a": 9}, {"a"}),
    ],
)
def test_small_groups_are_hidden_with_the_next_smallest(sizes: dict[str, int], hidden: set[str]) -> None:
    assert hidden_groups({"all": sum(sizes.values()), **sizes}, MIN_CELL) == hidden


def _coded(docs: list[Doc], rng: random.Random, codes: list[str]) -> Coded:
    return Coded([CodeAssignment(d.code, c, rng.random() < 0.4, 0.5) for d in docs for c in codes])


def test_code_shares_hide_the_same_groups_for_every_code_and_none_can_be_worked_out() -> None:
    docs = _docs({"teacher": 35, "engineer": 25, "nurse": 16, "chef": 4})
    coded = _coded(docs, random.Random(3), [c.id for c in CODEBOOK])
    cells = prevalence(docs, CODEBOOK, coded, None, "job", MIN_CELL)
    rows = [{p.group: (p.n, p.k) for p in cells if p.code == c.id} for c in CODEBOOK]
    assert _assert_protected(rows) == {"chef", "nurse"}
    for p in cells:
        assert p.suppressed == (p.share is None) == (p.k is None) == (p.group in {"chef", "nurse"})


def test_a_group_small_for_one_code_is_hidden_for_every_code() -> None:
    """Claude mode leaves an interview it could not code out of that code's cells only."""
    docs = _docs({"teacher": 30, "engineer": 20, "nurse": 12})
    coded = _coded(docs, random.Random(5), ["stigma", "anxiety"])
    failed = {"nurse_000", "nurse_001", "nurse_002"}  # 9 nurses coded for anxiety, 12 for stigma
    coded.assignments = [a for a in coded.assignments if not (a.code == "anxiety" and a.interview in failed)]
    cells = prevalence(docs, CODEBOOK[:2], coded, None, "job", MIN_CELL)
    assert {p.group for p in cells if p.suppressed} == {"nurse", "engineer"}


def test_nothing_extra_is_hidden_when_every_group_is_large_enough() -> None:
    docs = _docs({"a": 30, "b": 20, "c": 15})
    cells = prevalence(
        docs, CODEBOOK, _coded(docs, random.Random(1), [c.id for c in CODEBOOK]), None, "job", 10
    )
    assert not [p for p in cells if p.suppressed]
    docs += [Doc("x1"), Doc("x2")]  # two without a group value: a small group of their own
    cells = prevalence(
        docs, CODEBOOK, _coded(docs, random.Random(1), [c.id for c in CODEBOOK]), None, "job", 10
    )
    assert {p.group for p in cells if p.suppressed} == {UNKNOWN_GROUP, "c"}


def test_role_shares_hide_the_groups_that_would_give_a_small_one_away() -> None:
    docs = _docs({"teacher": 35, "engineer": 25, "nurse": 16, "chef": 4})
    rng = random.Random(2)
    roles: dict[str, str | None] = {d.code: rng.choice(["augmentation", "automation"]) for d in docs}
    shares = role_shares(docs, roles, "job", MIN_CELL)
    row = {
        r.group: (r.n, None if r.augmentation is None else round(r.augmentation.estimate * r.n))
        for r in shares
    }
    assert _assert_protected([row]) == {"chef", "nurse"}
    assert all((r.augmentation is None) == (r.automation is None) for r in shares)


def test_survey_items_hide_small_groups_and_participants_without_a_group_are_one() -> None:
    rng = random.Random(4)
    docs = [
        Doc(d.code, d.group, {"score": str(rng.randint(1, 7))})
        for d in _docs({"a": 30, "b": 20, "c": 4}) + [Doc("x1"), Doc("x2")]
    ]
    cells = survey_stats(docs, None, "job", MIN_CELL)
    assert [c.group for c in cells] == ["all", UNKNOWN_GROUP, "a", "b", "c"]
    hidden = {c.group for c in cells if c.suppressed}
    assert hidden == {UNKNOWN_GROUP, "c", "b"}  # 2 + 4 + the next smallest, 20
    for point in map(str, range(1, 8)):
        row = {c.group: (c.n, None if c.suppressed else c.distribution[point]) for c in cells}
        assert _assert_protected([row]) == hidden
    assert cells[0].comparison is None  # one group shown: nothing to compare


# `interviewer analyze` on a synthetic CSV, read back from what it writes


def _write_csv(path: Path, groups: list[str]) -> Path:
    synthetic = generate(per_group=22, seed=11)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["transcript_id", "text", "occupation"])
        for doc, group in zip(synthetic.docs, groups, strict=False):
            writer.writerow([doc.code, synthetic.texts[doc.code], group])
    return path


def _analyze(tmp: Path, sizes: dict[str, int]) -> Path:
    groups = [g for g, n in sizes.items() for _ in range(n)]
    random.Random(0).shuffle(groups)
    name = "-".join(str(n) for n in sizes.values())
    dataset = _write_csv(tmp / f"groups-{name}.csv", groups)
    codes = {"codes": [asdict(c) for c in CODEBOOK]}
    (tmp / "codes.yaml").write_text(yaml.safe_dump(codes, sort_keys=False), encoding="utf-8")
    args = [
        "analyze",
        str(dataset),
        "--by",
        "occupation",
        "--codebook",
        "codes.yaml",
        "--out",
        f"report-{name}",
    ]
    result = run([*args, "--cache-dir", str(tmp / "cache")], tmp)
    assert result.returncode == 0, result.stderr
    return tmp / f"report-{name}"


class _Reports(dict[str, Path]):
    """Each case's report, made when a test first asks for it: the two tests below often run in different
    test workers, and each would otherwise analyse both cases (a started `interviewer analyze` apiece)."""

    SIZES = {
        "small": {"teacher": 30, "nurse": 20, "chef": 4},
        "large": {"teacher": 30, "nurse": 20, "chef": 15},
    }

    def __init__(self, tmp: Path) -> None:
        super().__init__()
        self.tmp = tmp

    def __missing__(self, case: str) -> Path:
        self[case] = _analyze(self.tmp, self.SIZES[case])
        return self[case]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _Reports(tmp_path_factory.mktemp("suppression"))


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _by_code(cells: list[dict[str, Any]]) -> list[dict[str, tuple[int, int | None]]]:
    rows: dict[str, dict[str, tuple[int, int | None]]] = {}
    for p in cells:
        k = (
            None if p["k"] in (None, "") else int(p["k"])
        )  # JSON: a number or null; CSV: text, empty if hidden
        rows.setdefault(p["code"], {})[p["group"]] = (int(p["n"]), k)
    return list(rows.values())


@pytest.mark.long
def test_analyze_hides_the_small_group_and_the_one_that_would_give_it_away(reports: dict[str, Path]) -> None:
    out = reports["small"]
    table = _csv_rows(out / "prevalence.csv")
    data = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert _assert_protected(_by_code(table)) == {"chef", "nurse"}
    assert _by_code(data["prevalence"]) == _by_code(table)  # the JSON hides exactly what the CSV hides
    for p in data["prevalence"]:
        hidden = p["group"] in {"chef", "nurse"}
        assert p["suppressed"] == hidden and (p["k"] is None, p["share"] is None) == (hidden, hidden)
    for p in table:
        if p["group"] in {"chef", "nurse"}:
            assert p["suppressed"] == "1" and p["k"] == p["share"] == p["low"] == p["corrected"] == ""
    roles = {r["group"]: r for r in _csv_rows(out / "roles.csv")}
    assert {g for g, r in roles.items() if not r["augmentation"]} >= {"chef"}
    assert {r["group"] for r in data["roles"] if r["augmentation"] is None} == {
        g for g, r in roles.items() if not r["augmentation"]
    }
    report = (out / "report.md").read_text(encoding="utf-8")
    by_group = [line.split(" | ") for line in report.splitlines() if line.startswith("| ")]
    shown = [cells for cells in by_group if len(cells) == 5 and cells[1] in {"chef", "nurse"}]
    assert shown and all(cells[3].startswith("suppressed") and cells[4].strip(" |") == "" for cells in shown)
    why = {cells[1]: cells[3] for cells in shown}
    assert why["chef"] == "suppressed (n < 10)" and why["nurse"] == "suppressed (protects a smaller group)"


@pytest.mark.long
def test_analyze_hides_nothing_extra_when_every_group_is_large_enough(reports: dict[str, Path]) -> None:
    out = reports["large"]
    table = _csv_rows(out / "prevalence.csv")
    assert {p["group"] for p in table} == {"all", "teacher", "nurse", "chef"}
    assert not [p for p in table if p["suppressed"] != "0" or p["k"] == ""]
    data = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert not [p for p in data["prevalence"] if p["suppressed"] or p["k"] is None]
