"""`python -m eval.evaluate` as a developer runs it, on synthetic interviews with known labels."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot.analysis.labels import write_labels
from tests.support.paths import ROOT
from tests.support.synth import CODEBOOK, generate


def _codebook(path: Path) -> Path:
    codes = [
        {
            "id": c.id,
            "label": c.label,
            "definition": c.definition,
            "include": c.include,
            "examples": c.examples,
        }
        | ({"counts": list(c.counts)} if c.counts else {})
        for c in CODEBOOK
    ]
    path.write_text(yaml.safe_dump({"codes": codes}, sort_keys=False), encoding="utf-8")
    return path


def test_evaluate_prints_ranking_kappa_and_corrected_shares_per_code(tmp_path: Path) -> None:
    synthetic = generate(per_group=20)  # 60 interviews, every one hand-coded
    csv_path = synthetic.write_csv(tmp_path / "interviews.csv")
    gold = tmp_path / "gold.csv"
    write_labels(gold, synthetic.truth, [c.id for c in CODEBOOK])
    args = [
        "--csv",
        str(csv_path),
        "--codebook",
        str(_codebook(tmp_path / "codes.yaml")),
        "--gold",
        str(gold),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "eval.evaluate", *args, "--splits", "3", "--cache", str(tmp_path / "cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert lines["code"][:4] == ["code", "gold", "zero", "zs"]
    for code in CODEBOOK:
        cells = lines[code.id]
        share = f"{round(100 * synthetic.prevalence(code.id))}%"
        assert cells[1] == share, (code.id, cells)
        # planted paraphrases rank interviews that carry them far above those that do not
        assert float(cells[4]) >= 0.85 and float(cells[5]) >= 0.6, (code.id, cells)
        assert cells[8].endswith("/3") and cells[-1].endswith("%")
    assert "targets: mean kappa with gold >= 0.45" in result.stdout
