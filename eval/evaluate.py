"""How well the offline analysis codes real interviews, measured against the hand-coded gold subset.

    python -m eval.evaluate [--csv workforce.csv] [--gold eval/workforce_gold.csv] [--train 30]

Three codings of the workforce interviews are compared with the gold labels (participant turns only):

1. zero-shot: similarity to the codebook, no labels used; agreement on all gold interviews;
2. `--gold` classifier: trained on `--train` gold interviews, scored on the other gold interviews it
   never saw (held-out), repeated over disjoint training folds and averaged;
3. prevalence over all interviews: zero-shot share, classifier share, and the prediction-powered
   estimate (classifier share corrected with the training fold), next to the gold share.

Prints tables; writes nothing but the embedding cache. Used for the figures in docs/analysis.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from bot.analysis import coding, stats
from bot.analysis.codebook import load_codebook
from bot.analysis.corpus import read_csv
from bot.analysis.embed import CachedEmbedder, default_embedder
from bot.analysis.labels import read_labels

HERE = Path(__file__).resolve().parent
DEFAULT_CSV = Path(
    os.environ.get(
        "INTERVIEWER_WORKFORCE_CSV", HERE.parent.parent / "shared/data/anthropic-interviewer/workforce.csv"
    )
)
# What the original study published for this group (share of participants), for comparison only: its
# definitions differ from this codebook's (see eval/README.md).
PUBLISHED = {"stigma": 0.69, "anxiety": 0.55, "secure": 0.41, "oversight": 0.48, "augmentation": 0.65}


def _fmt(value: float | None, digits: int = 2) -> str:
    return "  -  " if value is None else f"{value:.{digits}f}"


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}%"


def agreement_rows(predicted: dict[str, dict[str, bool]], gold: dict[str, dict[str, bool]], codes: list[str]):
    for code in codes:
        ids = [i for i in gold if i in predicted and code in gold[i]]
        p = [predicted[i][code] for i in ids]
        g = [gold[i][code] for i in ids]
        yield (
            code,
            len(ids),
            stats.cohen_kappa(p, g),
            stats.gwet_ac1(p, g),
            stats.precision_recall_f1(p, g)[2],
            (float(np.mean(p)) - float(np.mean(g))),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--gold", type=Path, default=HERE / "workforce_gold.csv")
    parser.add_argument("--codebook", type=Path, default=HERE / "workforce_codebook.yaml")
    parser.add_argument("--train", type=int, default=30, help="gold interviews per training fold")
    parser.add_argument("--cache", type=Path, default=Path(".cache/eval"))
    args = parser.parse_args()
    if not args.csv.is_file():
        sys.exit(f"{args.csv}: not found; set INTERVIEWER_WORKFORCE_CSV or pass --csv")

    start = time.perf_counter()
    docs = read_csv(args.csv).docs
    codebook = load_codebook(args.codebook)
    codes = [c.id for c in codebook]
    gold = read_labels(args.gold)
    inner, note = default_embedder([s.answer for d in docs for s in d.segments])
    embedder = CachedEmbedder(inner, args.cache)
    idx = coding.index(docs, embedder)
    scores = coding.score(docs, codebook, embedder, idx)
    zero = scores.present()
    zero_labels = {d.code: {c: bool(zero[r, k]) for k, c in enumerate(codes)} for r, d in enumerate(docs)}
    print(
        f"{len(docs)} interviews, {len(idx.items)} passages, {len(gold)} gold interviews"
        f" ({note or 'MiniLM sentence embeddings'}); scored in {time.perf_counter() - start:.0f} s\n"
    )

    print("Zero-shot coding against all gold interviews")
    print(f"{'code':<14}{'n':>5}{'kappa':>8}{'AC1':>8}{'F1':>8}{'prev. error':>13}")
    for code, n, kappa, ac1, f1, error in agreement_rows(zero_labels, gold, codes):
        print(f"{code:<14}{n:>5}{_fmt(kappa):>8}{_fmt(ac1):>8}{_fmt(f1):>8}{100 * error:>+12.1f}pt")

    ids = sorted(gold)
    random.Random(7).shuffle(ids)
    folds = [ids[i : i + args.train] for i in range(0, len(ids) - args.train + 1, args.train)]
    per_code: dict[str, list[tuple[float | None, float | None, float | None, float]]] = {c: [] for c in codes}
    shares: dict[str, list[tuple[float, float]]] = {c: [] for c in codes}
    for fold in folds:
        train = {i: gold[i] for i in fold}
        held = {i: gold[i] for i in gold if i not in train}
        result = coding.train_on_gold(docs, codebook, scores, idx, train)
        labels: dict[str, dict[str, bool]] = {}
        for a in result.assignments:
            labels.setdefault(a.interview, {})[a.code] = a.present
        for code, _, kappa, ac1, f1, error in agreement_rows(labels, held, codes):
            per_code[code].append((kappa, ac1, f1, error))
        for code in codes:
            rest = [d.code for d in docs if d.code not in train]
            f_rest = [labels[i][code] for i in rest]
            f_train = [result.out_of_fold.get(i, {}).get(code, zero_labels[i][code]) for i in fold]
            y_train = [train[i][code] for i in fold]
            ppi = stats.ppi_share(f_rest, f_train, y_train)
            shares[code].append((float(np.mean(f_rest)), ppi.estimate))

    print(
        f"\nClassifier trained on {args.train} gold interviews, scored on the {len(ids) - args.train} held-out"
        f" gold interviews; mean over {len(folds)} disjoint training folds"
    )
    print(f"{'code':<14}{'kappa':>8}{'AC1':>8}{'F1':>8}{'prev. error':>13}")
    for code in codes:
        kappa, ac1, f1, error = (_mean([r[i] for r in per_code[code]]) for i in range(4))
        print(f"{code:<14}{_fmt(kappa):>8}{_fmt(ac1):>8}{_fmt(f1):>8}{100 * (error or 0):>+12.1f}pt")

    print(f"\nPrevalence over all {len(docs)} interviews (classifier figures are means over the folds)")
    print(f"{'code':<14}{'gold (150)':>16}{'zero-shot':>11}{'classifier':>12}{'PPI':>8}{'published':>11}")
    for k, code in enumerate(codes):
        g = [gold[i][code] for i in gold]
        ci = stats.wilson(sum(g), len(g))
        gold_text = f"{_pct(ci.estimate)} ({100 * ci.low:.0f}-{100 * ci.high:.0f})"
        classifier = float(np.mean([s[0] for s in shares[code]]))
        ppi = float(np.mean([s[1] for s in shares[code]]))
        published = _pct(PUBLISHED[code]) if code in PUBLISHED else "    -"
        print(
            f"{code:<14}{gold_text:>16}{_pct(float(zero[:, k].mean())):>11}{_pct(classifier):>12}"
            f"{_pct(ppi):>8}{published:>11}"
        )
    print(f"\ndone in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
