"""The sentence model's precision: bfloat16 where the CPU multiplies it in hardware, with the same vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bot.analysis.embed import MINILM, MiniLMEmbedder, _cpu_flags, bfloat16_is_fast
from tests.support.synth import generate


@pytest.mark.parametrize(
    ("amx", "avx512_bf16", "fast"),
    [(True, False, True), (False, True, True), (True, True, True), (False, False, False)],
)
def test_bfloat16_is_chosen_on_cpus_with_amx_or_avx512_bf16(
    monkeypatch: pytest.MonkeyPatch, amx: bool, avx512_bf16: bool, fast: bool
) -> None:
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    assert bfloat16_is_fast() is fast
    # the precision is part of the name, so cached vectors of one precision are never mixed with the other's
    assert MiniLMEmbedder().name == (f"{MINILM}-bfloat16" if fast else MINILM)


def test_a_torch_without_the_probes_keeps_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported", raising=False)
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported", raising=False)
    assert not bfloat16_is_fast() and MiniLMEmbedder().precision == "float32"


def test_bfloat16_vectors_match_float32_ones() -> None:
    texts = [s.answer for d in generate(per_group=3).docs for s in d.segments][:60]
    full = MiniLMEmbedder("float32").encode(texts)
    half = MiniLMEmbedder("bfloat16").encode(texts)
    assert full.shape == half.shape == (len(texts), 384) and half.dtype == np.float32
    cosine = (full * half).sum(axis=1)
    assert cosine.min() >= 0.995, cosine.min()
    # and the neighbours agree: each text's nearest other text is the same in both precisions
    np.fill_diagonal(sim_full := full @ full.T, -1)
    np.fill_diagonal(sim_half := half @ half.T, -1)
    assert (sim_full.argmax(axis=1) == sim_half.argmax(axis=1)).mean() >= 0.9


def test_the_cpu_flags_choose_the_precision_without_importing_torch() -> None:
    """A run whose vectors are all cached never loads torch: the precision (part of every cache key) comes
    from the CPU's flags as Linux lists them, and agrees with torch's own probes."""
    probe = "import sys; from bot.analysis.embed import MiniLMEmbedder; e = MiniLMEmbedder(); "
    probe += "print('torch' in sys.modules, e.precision)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    expected = "bfloat16" if bfloat16_is_fast() else "float32"  # torch is imported here: its probes answer
    assert done.stdout.split() == ["False", expected]


def test_cpu_flags_are_read_from_the_flags_line(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512_bf16\n\n")
    assert _cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_bf16"}
    cpuinfo.write_text("processor\t: 0\nFeatures\t: fp asimd\n")  # no x86 flags line: no answer
    assert _cpu_flags(cpuinfo) is None
    assert _cpu_flags(tmp_path / "missing") is None
