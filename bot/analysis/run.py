"""One analysis run: what its stages share (documents, toolkit, vectors, cache, progress, notes).

Each expensive stage's result is kept as JSON in the cache directory under a key that hashes everything
it depends on (the corpus, the vector model, the mode, and the stage's own inputs), so an interrupted run
resumes where it stopped and a changed codebook recomputes only coding and what follows it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from bot.analysis.cache import StageCache, digest
from bot.analysis.embed import Embedder
from bot.analysis.model import Doc
from bot.analysis.stages import Toolkit

Labels = dict[str, dict[str, bool]]
T = TypeVar("T")
CHUNK = 512  # texts per embedding call: the progress bar's step and the vector cache's shard size


class Progress(Protocol):
    """Where the pipeline reports its stages; the CLI draws a rich progress bar."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class NoProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


@dataclass
class Run:
    """What every stage of one analysis shares."""

    docs: list[Doc]
    toolkit: Toolkit
    embedder: Embedder
    cache: StageCache
    progress: Progress
    mode: str
    corpus_key: str
    notes: list[str] = field(default_factory=list)
    procedural: list[str] = field(default_factory=list)  # questions whose answers themes leave out

    def key(self, *parts: Any) -> str:
        return digest([self.corpus_key, self.embedder.name, self.mode, *parts])

    def embed(self, texts: list[str], stage: str) -> np.ndarray:
        self.progress.start(stage, len(texts))
        # Shortest first across the whole corpus, so that each chunk, and each batch the model pads to its
        # longest text, holds texts of about the same length: 10% less work than sorting within chunks.
        order = np.argsort([len(t) for t in texts], kind="stable")
        vectors: np.ndarray | None = None
        for at in range(0, len(texts), CHUNK):
            rows = order[at : at + CHUNK]
            chunk = self.embedder.encode([texts[i] for i in rows])
            if vectors is None:  # filled in place: no second copy of a large corpus's vectors
                vectors = np.empty((len(texts), chunk.shape[1]), dtype=np.float32)
            vectors[rows] = chunk
            keep = getattr(self.embedder, "keep", None)
            if keep is not None:  # the vector store holds these rows instead of its own copy of them
                keep([texts[i] for i in rows], vectors, rows)
            self.progress.advance(len(rows))
        return vectors if vectors is not None else np.zeros((0, 1), dtype=np.float32)


def corpus_key(docs: list[Doc]) -> str:
    return digest([[d.code, d.group, d.survey, [[s.question, s.answer] for s in d.segments]] for d in docs])


async def cached(
    run: Run,
    stage: str,
    title: str,
    compute: Callable[[], Awaitable[T]],
    load: Callable[[Any], T],
    *key: Any,
) -> T:
    """The stage's cached result, or compute it (one progress step) and cache it."""
    digest_ = run.key(stage, *key)
    cached = run.cache.get(stage, digest_)
    if isinstance(cached, dict) and set(cached) == {"value", "notes"}:
        run.notes.extend(cached["notes"])  # failures reported by the run that computed it still apply
        return load(cached["value"])
    run.progress.start(title, 1)
    before = set(part_notes(run))
    value = await compute()
    stage_notes = [n for n in part_notes(run) if n not in before]
    run.cache.put(stage, digest_, {"value": value, "notes": stage_notes})
    run.progress.advance()
    return value


def start(
    docs: list[Doc],
    toolkit: Toolkit,
    embedder: Embedder,
    cache_dir: Path | None,
    progress: Progress | None,
    mode: str,
    notes: list[str] | None,
    procedural: list[str] | None = None,
) -> Run:
    return Run(
        docs=docs,
        toolkit=toolkit,
        embedder=embedder,
        cache=StageCache(cache_dir, [d.code for d in docs]),
        progress=progress or NoProgress(),
        mode=mode,
        corpus_key=corpus_key(docs),
        notes=list(notes or []),
        procedural=list(procedural or []),
    )


def part_notes(run: Run) -> list[str]:
    """What the mode's parts report so far (e.g. Claude requests that failed for good)."""
    out: list[str] = []
    for part in (
        run.toolkit.facets,
        run.toolkit.namer,
        run.toolkit.coder,
        run.toolkit.emotions,
        run.toolkit.roles,
    ):
        out += list(getattr(part, "notes", []) or [])
    return out
