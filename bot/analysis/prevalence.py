"""Coding and prevalence: codes per interview (offline rules, gold-calibrated, or Claude), shares per
code and group with Wilson intervals, prediction-powered corrections from the gold subset, held-out
agreement, and the quotes that illustrate each code."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bot.analysis import calibrate, coding, quotes, stance
from bot.analysis.gold_size import gold_need
from bot.analysis.model import Code, CodeAssignment, Doc, Prevalence, Quote
from bot.analysis.run import Labels, Run, cached
from bot.analysis.stats import ppi_share, wilson
from bot.analysis.suppression import UNKNOWN_GROUP, hidden_groups, smallest
from bot.text_files import printable

GOLD_MIN = 5  # gold interviews a cell needs before its prevalence is bias-corrected
CODE_QUOTES = 5


@dataclass
class Coded:
    assignments: list[CodeAssignment]
    model_on_gold: Labels = field(default_factory=dict)  # model labels on gold interviews (out of fold)
    notes: list[str] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)  # code -> how the non-gold interviews were coded


async def code(
    run: Run,
    codebook: list[Code],
    gold: Labels | None,
    idx: coding.PassageIndex,
) -> Coded:
    if not codebook:
        return Coded([])

    async def compute() -> Coded:
        if run.mode != "offline":
            coded = Coded(await run.toolkit.coder.code(run.docs, codebook))
            return _with_gold(coded, gold) if gold else coded
        scores = coding.score(run.docs, codebook, run.embedder, idx)
        if not gold:
            return Coded(coding.assignments(scores, scores.present(), scores.confidence(), "model"))
        fitted = calibrate.code_with_gold(scores, gold)
        return Coded(fitted.assignments, fitted.out_of_fold, fitted.notes, fitted.methods)

    def load(v: dict[str, Any]) -> Coded:
        return Coded(
            [CodeAssignment(**a) for a in v["assignments"]], v["model_on_gold"], v["notes"], v["methods"]
        )

    # the rules' settings are part of the key, so a changed rule never reads a stale coding
    rules: list[Any] = [coding.ALPHA, coding.FLOOR, coding.CONTRAST, coding.READ, coding.NEAREST_TOLERANCE]
    rules += [calibrate.GAIN, calibrate.MARGIN, calibrate.MIN_CLASS, *stance.RULES]
    key = [[asdict(c) for c in codebook], gold or {}, rules]
    return await cached(run, "code", "code interviews", compute, load, *key)


def _with_gold(coded: Coded, gold: Labels) -> Coded:
    """Gold interviews keep their hand-coded labels; Claude's own labels there (it never saw the gold) measure it."""
    for a in coded.assignments:
        value = gold.get(a.interview, {}).get(a.code)
        if value is None:
            continue
        coded.model_on_gold.setdefault(a.interview, {})[a.code] = a.present
        a.present, a.source, a.score = value, "gold", 1.0 if value else 0.0
    return coded


def groups_of(docs: list[Doc], group_field: str | None) -> dict[str, list[str]]:
    """Interview codes per group value ("all" first), values sorted."""
    out: dict[str, list[str]] = {"all": [d.code for d in docs]}
    if group_field:
        by: dict[str, list[str]] = {}
        for d in docs:
            by.setdefault(d.group.get(group_field, "").strip() or UNKNOWN_GROUP, []).append(d.code)
        out.update(dict(sorted(by.items())))
    return out


def prevalence(
    docs: list[Doc],
    codebook: list[Code],
    coded: Coded,
    gold: Labels | None,
    group_field: str | None,
    min_cell: int,
) -> list[Prevalence]:
    """Share coded present per code and group with Wilson intervals; PPI-corrected where gold allows.

    Groups under `min_cell`, and the next-smallest ones that keep them from being worked out from "all"
    (`bot.analysis.suppression`), are hidden for every code: n only, no count, share or correction.
    """
    present = {(a.interview, a.code): a.present for a in coded.assignments}
    groups = groups_of(docs, group_field)
    # an interview whose coding failed (Claude mode) is left out, not counted as absent
    cells = {
        (code.id, group): [m for m in everyone if (m, code.id) in present]
        for code in codebook
        for group, everyone in groups.items()
    }
    hidden = hidden_groups(smallest((g, len(m)) for (_, g), m in cells.items()), min_cell)
    out = []
    for (code, group), members in cells.items():
        n = len(members)
        if n < min_cell or group in hidden:
            out.append(Prevalence(code, group, n, None, None, suppressed=True))
            continue
        # machine coding throughout: on a gold interview, the model's own (out-of-fold) label, not the hand one
        k = sum(coded.model_on_gold.get(m, {}).get(code, present[(m, code)]) for m in members)
        cell = Prevalence(code, group, n, k, wilson(k, n))
        if gold:
            cell.corrected, cell.gold_need = _corrected(code, members, present, coded.model_on_gold, gold)
        out.append(cell)
    return out


def _corrected(
    code: str, members: list[str], present: dict[tuple[str, str], bool], model_on_gold: Labels, gold: Labels
) -> Any:
    labelled = [m for m in members if code in gold.get(m, {}) and code in model_on_gold.get(m, {})]
    if len(labelled) < GOLD_MIN:
        return None, None
    rest = [present.get((m, code), False) for m in members if m not in set(labelled)]
    model, truth = [model_on_gold[m][code] for m in labelled], [gold[m][code] for m in labelled]
    return ppi_share(rest, model, truth), gold_need(rest, model, truth)


def code_quotes(run: Run, codebook: list[Code], coded: Coded, idx: coding.PassageIndex) -> list[Quote]:
    """Per code, passages of interviews coded present that are most similar to the code's description."""
    sources = quotes.sources(run.docs)
    yes: dict[str, set[str]] = {}
    for a in coded.assignments:
        if a.present:
            yes.setdefault(a.code, set()).add(a.interview)
    out = []
    for code in codebook:
        pool = np.array([int(p) for m in sorted(yes.get(code.id, ())) for p in idx.by_interview.get(m, [])])
        if pool.size == 0:
            continue
        query = run.embedder.encode(coding.queries(code))
        ranked = pool[np.argsort(-(idx.vectors[pool] @ query.T).max(axis=1), kind="stable")]
        out += quotes.pick(
            [int(i) for i in ranked], idx.items, idx.vectors, sources, limit=CODE_QUOTES, code=code.id
        )
    return out


def held_out_agreement(coded: Coded, gold: Labels) -> list[Any]:
    """Held-out agreement: the model's labels on gold interviews come from fits that never saw them."""
    from bot.analysis.agreement import agreement

    if not coded.model_on_gold:
        return []
    try:
        return agreement(coded.model_on_gold, gold, methods=coded.methods)
    except ValueError:
        return []


def check_gold(docs: list[Doc], codebook: list[Code], gold: Labels | None) -> list[str]:
    """Refuse a gold file that matches nothing; notes naming the ids and columns it has that are unused."""
    from bot.analysis.labels import GOLD_NOTE_START
    from bot.errors import AnalysisInputError

    if not gold:
        return []
    known = {d.code for d in docs}
    if not known & set(gold):
        raise AnalysisInputError(
            f"none of the {len(gold)} interviews in the gold file is in the corpus (e.g. {next(iter(gold))!r}); "
            "the gold file's transcript_id/interview column must use the same ids"
        )
    codes = {c.id for c in codebook}
    gold_codes = {c for v in gold.values() for c in v}
    if codebook and not codes & gold_codes:
        raise AnalysisInputError(
            f"the gold file's codes ({', '.join(map(printable, sorted(gold_codes)))}) match none of the codebook's "
            f"({', '.join(sorted(codes))}); name the gold columns after the code ids"
        )
    notes = []
    unknown = sorted(set(gold) - known)
    if unknown:
        notes.append(
            f"{GOLD_NOTE_START} has {len(unknown)} interview id(s) that are not in the corpus and were not "
            f"used: {', '.join(map(printable, unknown[:10]))}{' ...' if len(unknown) > 10 else ''}; check them for typos"
        )
    unused = sorted(gold_codes - codes) if codebook else []
    if unused:
        notes.append(
            f"{GOLD_NOTE_START} has column(s) that are not codes of the codebook and were not used: "
            f"{', '.join(map(printable, unused))}"
        )
    return notes
