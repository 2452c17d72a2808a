"""How well the offline coding agrees with hand-coding, measured as a researcher would use it.

    python -m eval.evaluate [--csv workforce.csv] [--codebook X.yaml --gold Y.csv] [--train 30] [--splits 20]
                            [--all] [--cache DIR] [--mode offline|claude [--yes]]

Only the gold interviews are scored unless `--all`: they are a random sample of the corpus, so their
passages make the same background, and embedding 150 interviews takes a tenth of the time.

Each split draws `--train` gold interviews at random (seeded) as the researcher's hand-coded subset and
holds out the other gold interviews, whose labels nothing sees. Per code it prints, as means over the
splits: how well the zero-shot score ranks the gold interviews (ROC AUC), the zero-shot rule's kappa on
the held-out interviews; the kappa of coding calibrated on the
subset (`analyze --gold`) with the share rule and the kappa rule; the zero-shot share against the gold
share (all gold interviews); and the prediction-powered share of the held-out interviews (model labels
there, corrected with the subset's out-of-fold errors): its error against their true share, its
interval's half-width, and how often the interval covered the true share.

`--mode claude` measures Claude's coding instead (`eval/claude_mode.py`; paid, asked first).

Prints tables; writes nothing but the embedding cache (and Claude's labels with `--mode claude`). Used for the figures in docs/analysis.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.analysis import calibrate, coding, stats
from bot.analysis.codebook import load_codebook
from bot.analysis.corpus import read_csv
from bot.analysis.embed import CachedEmbedder, default_embedder
from bot.analysis.labels import read_labels
from bot.analysis.quotes import passages

HERE = Path(__file__).resolve().parent
DATA = "shared/data/anthropic-interviewer/workforce.csv"
# the data sits beside the checkout (../shared) or beside the folder of worktrees (../../shared)
DEFAULT_CSV = Path(
    os.environ.get(
        "INTERVIEWER_WORKFORCE_CSV",
        next((p / DATA for p in HERE.parents if (p / DATA).is_file()), HERE.parent.parent / DATA),
    )
)
CHUNK = 2048  # texts per embedding call, so an interrupted first run keeps what it embedded
RULES: tuple[calibrate.Rule, ...] = ("share", "kappa")
Labels = dict[str, dict[str, bool]]


@dataclass
class CodeFigures:
    """One code's figures, a value per split."""

    zero_kappa: list[float] = field(default_factory=list)
    kappa: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in RULES})
    classifier: int = 0  # splits in which the classifier was chosen (share rule)
    ppi_error: list[float] = field(default_factory=list)
    half_width: list[float] = field(default_factory=list)
    covered: list[bool] = field(default_factory=list)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--gold", type=Path, default=HERE / "workforce_gold.csv")
    parser.add_argument("--codebook", type=Path, default=HERE / "workforce_codebook.yaml")
    parser.add_argument("--train", type=int, default=30, help="hand-coded interviews per split")
    parser.add_argument("--splits", type=int, default=20, help="random splits (seeded)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--cache", type=Path, default=Path(".cache/eval"))
    parser.add_argument(
        "--all", action="store_true", help="score all interviews (default: the gold ones, a random sample)"
    )
    parser.add_argument(
        "--mode",
        choices=("offline", "claude"),
        default="offline",
        help="claude: code the gold interviews with Claude (ANTHROPIC_API_KEY; cost shown and asked first)",
    )
    parser.add_argument("--yes", action="store_true", help="with --mode claude: do not ask before paying")
    return parser.parse_args()


def _scores(args: argparse.Namespace, gold: Labels) -> tuple[coding.Scores, list[str], str]:
    docs = [d for d in read_csv(args.csv).docs if args.all or d.code in gold]
    codebook = load_codebook(args.codebook)
    inner, note = default_embedder([s.answer for d in docs for s in d.segments])
    embedder = CachedEmbedder(inner, args.cache)
    texts = [p.text for p in passages(docs)]
    for at in range(0, len(texts), CHUNK):
        embedder.encode(texts[at : at + CHUNK])
    idx = coding.index(docs, embedder)
    about = f"{len(docs)} interviews, {len(idx.items)} passages ({note or 'MiniLM sentence embeddings'})"
    return coding.score(docs, codebook, embedder, idx), [c.id for c in codebook], about


def _kappa(predicted: list[bool], truth: list[bool]) -> float:
    kappa = stats.cohen_kappa(predicted, truth)
    return 0.0 if kappa is None else kappa


def _split(
    scores: coding.Scores, gold: Labels, train: list[str], test: list[str], figures: dict[str, CodeFigures]
) -> None:
    at = {i: r for r, i in enumerate(scores.interviews)}
    zero = scores.present()
    subset = {i: gold[i] for i in train}
    fitted = {rule: calibrate.code_with_gold(scores, subset, rule) for rule in RULES}
    labels = {
        rule: {(a.interview, a.code): a.present for a in result.assignments}
        for rule, result in fitted.items()
    }
    for c, code in enumerate(scores.codes):
        held = [i for i in test if code in gold[i]]
        truth = [gold[i][code] for i in held]
        fig = figures[code]
        fig.zero_kappa.append(_kappa([bool(zero[at[i], c]) for i in held], truth))
        for rule in RULES:
            fig.kappa[rule].append(_kappa([labels[rule][(i, code)] for i in held], truth))
        share = fitted["share"]
        fig.classifier += share.methods.get(code) == calibrate.CLASSIFIER
        labelled = [i for i in train if code in gold[i] and code in share.out_of_fold.get(i, {})]
        corrected = stats.ppi_share(
            [labels["share"][(i, code)] for i in held],
            [share.out_of_fold[i][code] for i in labelled],
            [gold[i][code] for i in labelled],
        )
        true_share = float(np.mean(truth))
        fig.ppi_error.append(corrected.estimate - true_share)
        fig.half_width.append((corrected.high - corrected.low) / 2)
        fig.covered.append(corrected.low <= true_share <= corrected.high)


HEAD = ["gold", "zero", "zs err", "auc", "zs k", "share k", "kappa k", "clf", "ppi err", "ppi +-", "covered"]


def _line(name: str, cells: list[str]) -> str:
    return f"{name:<14}" + "".join(f"{c:>9}" for c in cells)


def _values(scores: coding.Scores, gold: Labels, figures: dict[str, CodeFigures]) -> dict[str, list[float]]:
    """Per code: gold share, zero-shot share, its error, ranking AUC, kappas, classifier splits, PPI error,
    width, coverage."""
    from sklearn.metrics import roc_auc_score

    zero, ranking = scores.present(), scores.ranking()
    at = {i: r for r, i in enumerate(scores.interviews)}
    out = {}
    for c, code in enumerate(scores.codes):
        ids = [i for i in gold if code in gold[i]]
        g = float(np.mean([gold[i][code] for i in ids]))
        z = float(np.mean([zero[at[i], c] for i in ids]))
        f = figures[code]
        truth = [gold[i][code] for i in ids]
        auc = float(roc_auc_score(truth, [ranking[at[i], c] for i in ids])) if 0 < g < 1 else float("nan")
        out[code] = [
            g,
            z,
            z - g,
            auc,
            float(np.mean(f.zero_kappa)),
            *(float(np.mean(f.kappa[r])) for r in RULES),
        ]
        out[code] += [float(f.classifier), float(np.mean(np.abs(f.ppi_error))), float(np.mean(f.half_width))]
        out[code] += [float(np.mean(f.covered))]
    return out


def _cells(v: list[float], splits: int) -> list[str]:
    return [
        f"{100 * v[0]:.0f}%",
        f"{100 * v[1]:.0f}%",
        f"{100 * v[2]:+.0f}pt",
        f"{v[3]:.2f}",
        *(f"{k:+.2f}" for k in v[4:7]),
        f"{v[7]:.0f}/{splits}",
        f"{100 * v[8]:.1f}pt",
        f"{100 * v[9]:.1f}pt",
        f"{100 * v[10]:.0f}%",
    ]


def _print(scores: coding.Scores, gold: Labels, figures: dict[str, CodeFigures], splits: int) -> None:
    rows = _values(scores, gold, figures)
    print(_line("code", HEAD))
    for code, v in rows.items():
        print(_line(code, _cells(v, splits)))
    mean = [float(np.nanmean([abs(v[k]) if k == 2 else v[k] for v in rows.values()])) for k in range(11)]
    cells = _cells(mean, splits)
    cells[2] = f"{100 * mean[2]:.0f}pt"  # the mean absolute zero-shot error
    print(_line("mean", ["", "", *cells[2:7], "", *cells[8:]]))
    worst = max(abs(v[2]) for v in rows.values())
    print(
        f"\ntargets: mean kappa with gold >= 0.45 ({mean[5]:.2f}), zero-shot >= 0.35 ({mean[4]:.2f}); "
        f"every zero-shot share within 15 points ({100 * worst:.0f}); corrected error <= 5 points every code "
        f"({100 * max(v[8] for v in rows.values()):.1f}); coverage >= 90% ({100 * mean[10]:.0f}%)"
    )


def main() -> None:
    args = _arguments()
    if not args.csv.is_file():
        sys.exit(f"{args.csv}: not found; set INTERVIEWER_WORKFORCE_CSV or pass --csv")
    start = time.perf_counter()
    gold = read_labels(args.gold)
    if args.mode == "claude":
        from eval import claude_mode

        docs = [d for d in read_csv(args.csv).docs if d.code in gold]
        claude_mode.run(docs, load_codebook(args.codebook), {d.code: gold[d.code] for d in docs}, args)
        print(f"\ndone in {time.perf_counter() - start:.0f} s")
        return
    scores, codes, about = _scores(args, gold)
    gold = {i: v for i, v in gold.items() if i in set(scores.interviews)}
    print(f"{about}; {len(gold)} gold interviews; scored in {time.perf_counter() - start:.0f} s")
    figures = {code: CodeFigures() for code in codes}
    rng = np.random.default_rng(args.seed)
    ids = sorted(gold)
    for _ in range(args.splits):
        train = sorted(rng.choice(ids, size=args.train, replace=False).tolist())
        _split(scores, gold, train, [i for i in ids if i not in set(train)], figures)
    print(
        f"\n{args.splits} random splits: {args.train} gold interviews to calibrate, the other "
        f"{len(ids) - args.train} held out.\n"
        "gold/zero: shares on all gold interviews (zero-shot rule); auc: how well the zero-shot score ranks\n"
        "the gold interviews with the code above those without (0.5 is chance; no cut codes well from a poor\n"
        "ranking); zs k: zero-shot kappa on the held-out ones; share k / kappa k: kappa there after calibrating\n"
        "on the subset with either rule; clf: splits where the classifier was chosen; ppi: corrected share of\n"
        "the held-out interviews against their true share (mean absolute error, half-width, coverage)\n"
    )
    _print(scores, gold, figures, args.splits)
    print(f"\ndone in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
