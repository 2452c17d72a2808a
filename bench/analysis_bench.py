"""Offline analysis of the 1,000 workforce interviews: seconds per stage, peak memory, and a cached re-run.

The transcripts are read from INTERVIEWER_WORKFORCE_CSV (default: the shared dataset beside the checkout);
without them the benchmark says so and skips. The first run starts from an empty cache and codes with
eval/workforce_codebook.yaml; the second run, as a new process would, loads a fresh model object and the
cache from disk, and codes with a changed codebook (one code reworded, one dropped): only the changed code
texts are embedded and only coding onwards is recomputed. Printed: seconds per stage, total, the texts the
model embedded, and the peak resident memory of the process (Linux reports the high-water mark).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.analysis.codebook import load_codebook
from bot.analysis.corpus import read_csv
from bot.analysis.embed import CachedEmbedder, default_embedder
from bot.analysis.model import Analysis, Code
from bot.analysis.pipeline import analyze, offline_toolkit

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK = ROOT / "eval" / "workforce_codebook.yaml"
CANDIDATES = [
    ROOT.parent / "shared" / "data" / "anthropic-interviewer" / "workforce.csv",
    Path("/work/shared/data/anthropic-interviewer/workforce.csv"),
]


def dataset() -> Path | None:
    named = os.environ.get("INTERVIEWER_WORKFORCE_CSV")
    if named:
        return Path(named) if Path(named).exists() else None
    return next((p for p in CANDIDATES if p.exists()), None)


class StageTimer:
    """A pipeline progress sink that records how long each stage took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stage: str | None = None
        self._since = time.perf_counter()

    def start(self, stage: str, total: int) -> None:
        self._close()
        self._stage, self._since = stage, time.perf_counter()

    def advance(self, n: int = 1) -> None:
        pass

    def _close(self) -> None:
        if self._stage is not None:
            elapsed = time.perf_counter() - self._since
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + elapsed
        self._stage = None

    def done(self) -> dict[str, float]:
        self._close()
        return self.seconds


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def one_run(docs, codebook: list[Code], cache: Path, label: str) -> Analysis:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    inner, note = default_embedder([s.answer for d in docs for s in d.segments])
    embedder = CachedEmbedder(inner, cache)
    timer = StageTimer()
    analysis = await analyze(
        docs,
        toolkit=offline_toolkit(embedder),
        embedder=embedder,
        codebook=codebook,
        cache_dir=cache,
        progress=timer,
        name="workforce",
    )
    total = time.perf_counter() - start
    stages = timer.done()
    print(
        f"  {label}: {total:.1f} s in all, {embedder.encoded:,} texts embedded, peak memory {peak_mb():,.0f} MB"
    )
    if note:
        print(f"    note: {note}")
    before = total - sum(stages.values())
    print(f"    {'set-up (model load)':<24}{before:7.1f} s")
    for stage, seconds in stages.items():
        print(f"    {stage:<24}{seconds:7.1f} s")
    return analysis


def changed(codebook: list[Code]) -> list[Code]:
    """A researcher's second pass: one definition reworded, the last code dropped."""
    first = replace(
        codebook[0],
        definition="The participant hides or plays down their use of AI because colleagues or clients "
        "would judge them for it.",
    )
    return [first, *codebook[1:-1]]


async def main() -> None:
    path = dataset()
    if path is None:
        print(
            "analysis: skipped; the workforce transcripts were not found (set INTERVIEWER_WORKFORCE_CSV to the "
            "Anthropic Interviewer workforce.csv)"
        )
        return
    start = time.perf_counter()
    docs = read_csv(path).docs
    segments = sum(len(d.segments) for d in docs)
    print(
        f"analysis: {len(docs):,} interviews, {segments:,} answers read in {time.perf_counter() - start:.1f} s"
    )
    codebook = load_codebook(CODEBOOK)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        first = await one_run(docs, codebook, cache, "first run, empty cache")
        top = sum(1 for t in first.themes if t.parent is None)
        print(f"    {top} themes, {len(first.themes) - top} sub-themes, {len(first.quotes)} quotes")
        shares = ", ".join(
            f"{p.code} {p.share.estimate:.0%}" for p in first.prevalence if p.group == "all" and p.share
        )
        print(f"    zero-shot shares: {shares}")
        await one_run(docs, changed(codebook), cache, "second run, changed codebook")
