"""Redaction quality and speed.

On the synthetic multilingual corpus of the tests (tests/support/redaction_corpus.py): recall per identifier
kind and overall (an identifier counts when every letter and digit of it is redacted), and the share
of ordinary sentences altered. On a sample of the real workforce transcripts (INTERVIEWER_WORKFORCE_CSV,
default: the shared dataset; skipped when absent): the share of sentences altered and the spans most
often replaced, for a person to judge. Also the names gazetteer's load time and redaction speed.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from bot.records.redact import find, redact
from bot.records.redaction import gazetteer, names
from tests.support.redaction_corpus import HELD_OUT, HELD_OUT_ORDINARY, ORDINARY, caught, origins, recall

SAMPLE = 200  # real transcripts read
SHOWN = 15
DATASET = Path("/work/shared/data/anthropic-interviewer/workforce.csv")


def _spans(text: str) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in find(text)]


def synthetic() -> None:
    by_kind = recall(_spans)
    hit, total = sum(h for h, _ in by_kind.values()), sum(t for _, t in by_kind.values())
    print(
        f"redaction, synthetic corpus: {total} identifiers of {len(by_kind)} kinds, {len(origins())} formats"
    )
    for kind, (h, t) in sorted(by_kind.items()):
        print(f"  {kind:<9} recall {h / t:6.1%}  ({h}/{t})")
    print(f"  overall   recall {hit / total:6.1%}  ({hit}/{total})   targets: 95% overall, 90% per kind")
    altered = [s for s in ORDINARY if redact(s) != s]
    print(
        f"  ordinary sentences altered: {len(altered) / len(ORDINARY):.1%} ({len(altered)}/{len(ORDINARY)})"
        "   target: at most 5%"
    )
    for sentence in altered:
        print(f"    altered: {redact(sentence)}")
    held = Counter[str](), Counter[str]()
    for kind, value, sentence in HELD_OUT:
        held[1][kind] += 1
        held[0][kind] += caught(kind, value, sentence, _spans(sentence))
    got, of = sum(held[0].values()), sum(held[1].values())
    changed = [s for s in HELD_OUT_ORDINARY if redact(s) != s]
    print(
        f"  held-out set (written after the rules, never tuned to): recall {got / of:.1%} ({got}/{of}); "
        f"ordinary altered {len(changed)}/{len(HELD_OUT_ORDINARY)}"
    )
    for kind, value, sentence in HELD_OUT:
        if not caught(kind, value, sentence, _spans(sentence)):
            print(f"    missed {kind}: {redact(sentence)}")
    for sentence in changed:
        print(f"    altered: {redact(sentence)}")


def _dataset() -> Path | None:
    named = os.environ.get("INTERVIEWER_WORKFORCE_CSV")
    path = Path(named) if named else DATASET
    return path if path.exists() else None


def real() -> None:
    path = _dataset()
    if path is None:
        print("redaction, real transcripts: skipped (set INTERVIEWER_WORKFORCE_CSV to the dataset)")
        return
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    sample = random.Random(15).sample(rows, min(SAMPLE, len(rows)))
    sentences = [s for r in sample for line in r["text"].split("\n") for s in line.split(". ") if s.strip()]
    start = time.perf_counter()
    found = [find(s) for s in sentences]
    seconds = time.perf_counter() - start
    altered = sum(bool(f) for f in found)
    replaced = Counter((x.kind, x.text) for f in found for x in f)
    print(
        f"redaction, {len(sample)} real transcripts: {altered / len(sentences):.2%} of {len(sentences)} "
        f"sentences altered; {len(sentences) / seconds:,.0f} sentences/s"
    )
    print("  most often replaced (kind, text, times):")
    for (kind, text), n in replaced.most_common(SHOWN):
        print(f"    {kind:<8} {text!r} x{n}")


def main_sync() -> None:
    gazetteer.load.cache_clear()
    names.english.cache_clear()
    start = time.perf_counter()
    g = gazetteer.load()
    names.english()
    loaded = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"redaction: gazetteer of {len(g.names):,} names and {len(g.places):,} places loaded in "
        f"{loaded:.2f} s (process peak memory {rss:.0f} MB)"
    )
    synthetic()
    real()


async def main() -> None:
    main_sync()


if __name__ == "__main__":
    main_sync()
