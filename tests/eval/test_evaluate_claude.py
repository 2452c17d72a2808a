"""`python -m eval.evaluate --mode claude` as a developer with a key runs it, against the fake Messages API
answering as an analyst would (`tests/support/fakes/claude_analyst.py`: a code is found where its first
example phrase stands in a participant answer)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.analysis.labels import write_labels
from tests.support.claude_analysis import CODEBOOK_YAML
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.paths import ROOT

COUNT = 30


def _interviews(path: Path) -> dict[str, dict[str, bool]]:
    """Every third interview hides its AI use, every second fears for its job. Returns the hand-coding,
    which agrees with what is said except that interviews 1 and 7 are hand-coded as stigma as well (a
    coder reading something the phrase does not carry)."""
    gold: dict[str, dict[str, bool]] = {}
    rows = ["transcript_id,text"]
    for n in range(COUNT):
        code = f"g-{n:02d}"
        first = "I use it to draft letters every week."
        second = "It saves time but I read everything it writes."
        if n % 3 == 0:
            first += " I hide my use of AI because colleagues would call it cheating."
        if n % 2 == 0:
            second += " Honestly my job might go if it keeps improving."
        text = f"Assistant: How do you use AI?\nUser: {first}\nAssistant: How do you feel?\nUser: {second}\n"
        rows.append(f'{code},"{text}"')
        gold[code] = {"stigma": n % 3 == 0 or n in (1, 7), "anxiety": n % 2 == 0}
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return gold


async def _evaluate(tmp_path: Path, fake: FakeAnthropic, *extra: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "ANALYSIS_"))}
    env |= {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_MODEL": "claude-sonnet-5-5",
        "ANTHROPIC_MAX_RETRIES": "1",
        "ANALYSIS_BATCH_THRESHOLD": "10",
        "ANALYSIS_BATCH_POLL_SECONDS": "0.01",
    }
    args = ["--csv", str(tmp_path / "g.csv"), "--codebook", str(tmp_path / "codes.yaml")]
    args += ["--gold", str(tmp_path / "gold.csv"), "--train", "10", "--splits", "4"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "eval.evaluate", "--mode", "claude", *args, "--cache", str(tmp_path / "c"), *extra,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 300)
    return process.returncode or 0, out.decode(), err.decode()


def _table(stdout: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in stdout.splitlines() if line.strip()}


async def test_claude_coding_of_the_gold_is_scored_cached_and_asked_again_only_where_it_failed(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    gold = _interviews(tmp_path / "g.csv")
    write_labels(tmp_path / "gold.csv", gold, ["stigma", "anxiety"])
    (tmp_path / "codes.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")

    # no terminal and no --yes: nothing is sent
    code, _, err = await _evaluate(tmp_path, fake)
    assert code != 0 and "confirm with --yes" in err and "through the Message Batches API" in err
    assert not fake.batch_requests and not fake.message_requests

    fake.push_batch_result("coding-4", "errored", error_type="api_error", once=True)
    fake.push_batch_result("coding-4", "errored", error_type="api_error", once=True)
    fake.push_batch_result("coding-4", "errored", error_type="api_error", once=True)
    code, out, err = await _evaluate(tmp_path, fake, "--yes")
    assert code == 0, err
    assert "29 gold interviews coded by Claude (1 without Claude's labels)" in out
    table = _table(out)
    # anxiety: Claude finds the phrase exactly where the coder coded it (14 of the 29: g-04 failed)
    assert table["anxiety"][1:5] == ["48%", "48%", "+0pt", "+1.00"]
    # stigma: the coder saw it in two interviews more than the phrase marks (12 of 29 against 10 of 29)
    assert table["stigma"][1:4] == ["41%", "34%", "-7pt"] and float(table["stigma"][4]) < 1
    # PPI++ weighs the model by 1 / (1 + n/N) even when it agrees fully, so a little error remains
    assert float(table["anxiety"][5].removesuffix("pt")) < 10 and table["anxiety"][7] == "100%"
    assert "targets: mean kappa >= 0.45" in out
    asked = [r for b in fake.batch_requests for r in b.body["requests"]]
    assert len(asked) >= COUNT and {r["custom_id"].split("-")[0] for r in asked} == {"coding"}

    # again: the 29 labels come from the cache; only the interview that failed is asked for (one
    # interview is under the batch threshold: an individual request)
    batches = len(fake.batch_requests)
    code, out, err = await _evaluate(tmp_path, fake, "--yes")
    assert code == 0, err
    assert len(fake.batch_requests) == batches and len(fake.message_requests) == 1
    assert "30 gold interviews coded by Claude" in out and "29 interviews' labels read from" in out
    assert _table(out)["anxiety"][1:5] == ["50%", "50%", "+0pt", "+1.00"]
