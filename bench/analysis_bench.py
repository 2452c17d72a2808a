"""Offline analysis of the 1,000 workforce interviews: seconds per stage, peak memory, and a cached re-run.

The transcripts are read from INTERVIEWER_WORKFORCE_CSV (default: the shared dataset beside the checkout);
without them the benchmark says so and skips. The first run starts from an empty cache and codes with
eval/workforce_codebook.yaml; the second run, as a new process would, loads a fresh model object and the
cache from disk, and codes with a changed codebook (one code reworded, one dropped): only the changed code
texts are embedded and only coding onwards is recomputed. Printed: seconds per stage, total, the texts the
model embedded and how many per second, and the peak resident memory of the process (Linux reports the
high-water mark).

At scale (`python -m bench.analysis_bench --scale 10`, or INTERVIEWER_BENCH_SCALE=10 with `make bench`,
which then runs it in a process of its own so that its peak memory is its own), the workforce set is
replicated: copy k gets ids ending in `-k` and loses one word of every sentence (seeded), so no passage
repeats and the vector cache cannot make the run trivial. One run from an empty cache.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bench.memory import rss_mb
from bot.analysis.codebook import load_codebook
from bot.analysis.corpus import read_csv
from bot.analysis.embed import CachedEmbedder, default_embedder
from bot.analysis.model import Analysis, Code, Doc, Segment
from bot.analysis.pipeline import analyze, offline_toolkit
from bot.analysis.quotes import sentences

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


class RssSampler:
    """Reads the resident memory every half second in a thread, so that each stage's highest is known."""

    def __init__(self, every: float = 0.5) -> None:
        self.high = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.sample()

    def sample(self) -> float:
        now = rss_mb()
        self.high = max(self.high, now)
        return now

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class StageTimer:
    """A pipeline progress sink that records how long each stage took, how many texts it embedded, and
    the resident memory at its end and at its highest."""

    def __init__(self, embedded: Callable[[], int] = lambda: 0) -> None:
        self.seconds: dict[str, float] = {}
        self.texts: dict[str, int] = {}
        self.rss: dict[str, tuple[float, float]] = {}  # stage -> (MB at its end, highest MB during it)
        self._embedded = embedded  # texts the model has embedded so far
        self._stage: str | None = None
        self._since = time.perf_counter()
        self._before = 0
        self.memory = RssSampler()

    def start(self, stage: str, total: int) -> None:
        self._close()
        now = self.memory.sample()
        if not self.rss:  # the first stage: what came before it is the set-up
            self.rss["set-up (model load)"] = (now, self.memory.high)
        self.memory.high = now
        self._stage, self._since, self._before = stage, time.perf_counter(), self._embedded()

    def advance(self, n: int = 1) -> None:
        """Stages are timed whole; progress within one is not needed here."""

    def _close(self) -> None:
        if self._stage is not None:
            elapsed = time.perf_counter() - self._since
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + elapsed
            self.texts[self._stage] = self.texts.get(self._stage, 0) + self._embedded() - self._before
            end = self.memory.sample()
            self.rss[self._stage] = (end, max(self.memory.high, self.rss.get(self._stage, (0.0, 0.0))[1]))
        self._stage = None

    def done(self) -> dict[str, float]:
        self._close()
        self.memory.stop()
        return self.seconds

    def memory_line(self, stage: str) -> str:
        if stage not in self.rss or not self.rss[stage][1]:
            return ""
        end, high = self.rss[stage]
        return f"   RSS {end:7,.0f} MB at the end, {high:7,.0f} MB at most"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def one_run(docs, codebook: list[Code], cache: Path, label: str) -> Analysis:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    inner, note = default_embedder([s.answer for d in docs for s in d.segments])
    embedder = CachedEmbedder(inner, cache)
    timer = StageTimer(lambda: embedder.encoded)
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
        f"  {label}: {total:.1f} s in all, {embedder.encoded:,} texts embedded by {embedder.name}, "
        f"peak memory {peak_mb():,.0f} MB, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    if note:
        print(f"    note: {note}")
    before = total - sum(stages.values())
    print(f"    {'set-up (model load)':<24}{before:7.1f} s{timer.memory_line('set-up (model load)')}")
    for stage, seconds in stages.items():
        print(f"    {stage:<24}{seconds:7.1f} s{timer.memory_line(stage)}")
    embedded, embedding = timer.texts.get("embed passages", 0), stages.get("embed passages", 0.0)
    if embedded > 100 and embedding > 0:
        print(f"    {embedded:,} passages embedded at {embedded / embedding:,.0f} passages/s")
    return analysis


def changed(codebook: list[Code]) -> list[Code]:
    """A researcher's second pass: one definition reworded, the last code dropped."""
    first = replace(
        codebook[0],
        definition="The participant hides or plays down their use of AI because colleagues or clients "
        "would judge them for it.",
    )
    return [first, *codebook[1:-1]]


def replicated(docs: list[Doc], times: int) -> list[Doc]:
    """`docs` `times` over: copy k has ids ending in `-k` and one word fewer in each sentence (seeded)."""
    out = list(docs)
    for k in range(1, times):
        rng = random.Random(k)
        for d in docs:
            code = f"{d.code}-{k}"
            segments = [Segment(code, s.index, s.question, _varied(s.answer, rng)) for s in d.segments]
            out.append(Doc(code=code, group=dict(d.group), survey=dict(d.survey), segments=segments))
    return out


def _varied(text: str, rng: random.Random) -> str:
    pieces, last = [], 0
    for a, b in sentences(text):
        words = text[a:b].split(" ")
        if len(words) > 3:
            del words[rng.randrange(len(words) - 1)]  # never the last word: it ends the sentence
        pieces.append(text[last:a] + " ".join(words))
        last = b
    return "".join(pieces) + text[last:]


async def at_scale(path: Path, times: int) -> None:
    """One run over the workforce set replicated `times` over, from an empty cache."""
    start = time.perf_counter()
    docs = replicated(read_csv(path).docs, times)
    segments = sum(len(d.segments) for d in docs)
    print(
        f"analysis at scale: {len(docs):,} interviews ({times} x the workforce set), {segments:,} answers "
        f"prepared in {time.perf_counter() - start:.1f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        found = await one_run(docs, load_codebook(CODEBOOK), Path(tmp), "one run, empty cache")
        top = sum(1 for t in found.themes if t.parent is None)
        print(f"    {top} themes, {len(found.themes) - top} sub-themes, {len(found.quotes)} quotes")


def _scale() -> int:
    value = os.environ.get("INTERVIEWER_BENCH_SCALE", "1").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"INTERVIEWER_BENCH_SCALE={value!r}: give a whole number of copies, such as 10")
    return int(value)


async def main() -> None:
    path = dataset()
    if path is None:
        print(
            "analysis: skipped; the workforce transcripts were not found (set INTERVIEWER_WORKFORCE_CSV to the "
            "Anthropic Interviewer workforce.csv)"
        )
        return
    await one_thousand(path)
    scale = _scale()
    if scale > 1:  # a process of its own, so that the peak memory printed is that run's alone
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.analysis_bench", "--scale", str(scale)
        )
        if await child.wait():
            raise SystemExit(f"the analysis at scale failed (exit {child.returncode})")


async def one_thousand(path: Path) -> None:
    """The workforce set as it is: a first run from an empty cache, then a changed codebook."""
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="The offline analysis benchmark on the workforce interviews."
    )
    parser.add_argument(
        "--scale", type=int, default=1, help="copies of the workforce set (10: 10,000 interviews)"
    )
    args = parser.parse_args()
    found = dataset()
    if found is None:
        raise SystemExit("the workforce transcripts were not found; set INTERVIEWER_WORKFORCE_CSV")
    asyncio.run(at_scale(found, args.scale) if args.scale > 1 else one_thousand(found))
