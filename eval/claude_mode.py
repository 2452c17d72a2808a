"""`python -m eval.evaluate --mode claude`: how well Claude's coding agrees with the hand-coded gold.

Claude codes every gold interview once (one request per interview with the whole codebook, as `interviewer
analyze --mode claude` does; through the Message Batches API from ANALYSIS_BATCH_THRESHOLD interviews),
after the cost of those requests is shown and confirmed (`--yes` skips the question). Its labels are kept
in the cache folder, one file per model and codebook, so running again costs nothing; interviews whose
request failed are asked again on the next run and left out of the figures until then.

Claude sees no gold label, so its labels on the 30 "hand-coded" interviews of a split are as much out of
sample as on the held-out ones: the figures per code are its share against the gold share on all gold
interviews, its kappa (mean over the splits' held-out interviews, comparable with the offline `zs k`), and
the prediction-powered share of the held-out interviews corrected with the 30 (error, half-width,
coverage), as for the offline coder.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from bot.analysis import stats
from bot.analysis.claude import cost
from bot.analysis.claude.toolkit import toolkit
from bot.analysis.model import Code, Doc
from bot.errors import AnalysisUnavailable
from bot.settings import get_settings

Labels = dict[str, dict[str, bool]]
HEAD = ["gold", "claude", "error", "kappa", "ppi err", "ppi +-", "covered"]


def _cache_file(cache: Path, model: str, codebook: list[Code]) -> Path:
    rules = json.dumps([[c.id, c.label, c.definition, c.include, c.exclude, c.examples] for c in codebook])
    digest = hashlib.sha256(f"{model}\n{rules}".encode()).hexdigest()[:16]
    return cache / f"claude-coding-{digest}.json"


def _confirmed(text: str, yes: bool) -> bool:
    print(f"Claude coding of the gold interviews: {text}", file=sys.stderr)
    if yes:
        return True
    if not sys.stdin.isatty():
        sys.exit("this would send paid requests to Claude; confirm with --yes (no terminal to ask on)")
    return input("Go ahead? [y/N] ").strip().lower() in ("y", "yes")


def claude_labels(docs: list[Doc], codebook: list[Code], cache: Path, yes: bool) -> tuple[Labels, list[str]]:
    """Claude's labels per interview and code (from the cache, and from Claude for the rest), and the
    notes of the run (failed interviews, what was used)."""
    settings = get_settings()
    try:
        kit = toolkit(settings)
    except AnalysisUnavailable as exc:
        sys.exit(f"--mode claude: {exc}")
    model = settings.analysis_model or settings.anthropic_model
    path = _cache_file(cache, model, codebook)
    done: Labels = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    todo = [d for d in docs if d.code not in done]
    notes: list[str] = [f"model {model}; {len(docs) - len(todo)} interviews' labels read from {path}"]
    if todo:
        batched = len(todo) >= settings.analysis_batch_threshold
        estimate = cost.estimate(todo, codebook, model, batched, coding_only=True)
        if not _confirmed(f"{len(todo)} interviews, {estimate.text()}", yes):
            sys.exit("stopped before sending anything")
        found = asyncio.run(kit.coder.code(todo, codebook))
        for a in found:
            done.setdefault(a.interview, {})[a.code] = a.present
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(done, indent=0, sort_keys=True), encoding="utf-8")
        notes += list(getattr(kit.coder, "notes", []))
    return done, notes


def _row(code: str, gold: Labels, claude: Labels, splits: list[tuple[list[str], list[str]]]) -> list[float]:
    ids = [i for i in gold if code in gold[i] and code in claude.get(i, {})]
    truth = np.array([gold[i][code] for i in ids], dtype=float)
    coded = np.array([claude[i][code] for i in ids], dtype=float)
    kappas, errors, widths, covered = [], [], [], []
    for train, test in splits:
        held = [i for i in test if i in ids]
        known = [i for i in train if i in ids]
        if len(held) < 2 or len(known) < 2:
            continue
        held_truth = [gold[i][code] for i in held]
        kappas.append(stats.cohen_kappa([claude[i][code] for i in held], held_truth) or 0.0)
        share = stats.ppi_share(
            [claude[i][code] for i in held], [claude[i][code] for i in known], [gold[i][code] for i in known]
        )
        true_share = float(np.mean(held_truth))
        errors.append(abs(share.estimate - true_share))
        widths.append((share.high - share.low) / 2)
        covered.append(share.low <= true_share <= share.high)
    mean = [float(np.mean(v)) if v else float("nan") for v in (kappas, errors, widths, covered)]
    return [float(truth.mean()), float(coded.mean()), float(coded.mean() - truth.mean()), *mean]


def report(gold: Labels, claude: Labels, codes: list[str], splits: list[tuple[list[str], list[str]]]) -> None:
    """The table per code and the targets line, like the offline one."""
    rows = {code: _row(code, gold, claude, splits) for code in codes}
    print(f"{'code':<14}" + "".join(f"{h:>9}" for h in HEAD))
    for code, v in rows.items():
        cells = [f"{100 * v[0]:.0f}%", f"{100 * v[1]:.0f}%", f"{100 * v[2]:+.0f}pt", f"{v[3]:+.2f}"]
        cells += [f"{100 * v[4]:.1f}pt", f"{100 * v[5]:.1f}pt", f"{100 * v[6]:.0f}%"]
        print(f"{code:<14}" + "".join(f"{c:>9}" for c in cells))
    values = np.array(list(rows.values()))
    kappa, coverage = np.nanmean(values[:, 3]), np.nanmean(values[:, 6])
    worst_share, worst_ppi = np.nanmax(np.abs(values[:, 2])), np.nanmax(values[:, 4])
    print(
        f"\ntargets: mean kappa >= 0.45 ({kappa:.2f}); every share within 15 points ({100 * worst_share:.0f}); "
        f"corrected error <= 5 points every code ({100 * worst_ppi:.1f}); coverage >= 90% ({100 * coverage:.0f}%)"
    )


def run(docs: list[Doc], codebook: list[Code], gold: Labels, args: Any) -> None:
    """Code the gold interviews with Claude and print the figures over `args.splits` seeded splits."""
    claude, notes = claude_labels(docs, codebook, args.cache, args.yes)
    ids = sorted(i for i in gold if i in claude)
    missing = len(gold) - len(ids)
    print(
        f"{len(ids)} gold interviews coded by Claude"
        + (f" ({missing} without Claude's labels)" if missing else "")
    )
    for note in notes:
        print(f"  {note}")
    if len(ids) <= args.train:
        sys.exit(
            f"only {len(ids)} gold interviews have Claude's labels; --train {args.train} leaves none held out"
        )
    rng = np.random.default_rng(args.seed)
    splits = []
    for _ in range(args.splits):
        train = sorted(rng.choice(ids, size=args.train, replace=False).tolist())
        splits.append((train, [i for i in ids if i not in set(train)]))
    print(
        f"\n{args.splits} random splits: {args.train} gold interviews to correct the shares, the other "
        f"{len(ids) - args.train} held out. gold/claude: shares on all gold interviews coded; kappa: on the\n"
        "held-out ones (mean over splits); ppi: corrected share of the held-out interviews against their true\n"
        "share (mean absolute error, half-width, coverage)\n"
    )
    report({i: gold[i] for i in ids}, claude, [c.id for c in codebook], splits)
