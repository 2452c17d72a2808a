"""`interviewer doctor`, started as a user starts it, against the fake Messages API."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.claude.models import TABLE
from tests.fakes import anthropic_rules
from tests.fakes.anthropic_api import FakeAnthropic

MODEL = "claude-sonnet-5-5"


async def doctor(fake: FakeAnthropic, tmp_path: Path, model: str = MODEL) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "SLACK_", "DISCORD_"))}
    env |= {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_MODEL": model,
        "ANTHROPIC_MAX_RETRIES": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'doctor.db'}",
    }
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "interviewer"),
        "doctor",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, (out + err).decode()


@pytest.fixture
async def fake():  # type: ignore[no-untyped-def]
    async with FakeAnthropic() as server:
        server.responder = lambda body: {
            "message": "What do you do at work?",
            "move": "ask",
            "topic_id": "work",
            "covered_topics": [],
            "flags": [],
        }
        yield server
    anthropic_rules.OVERRIDES.clear()


async def test_doctor_sends_one_interviewer_shaped_request_and_reports_the_unmigrated_database(
    fake, tmp_path
):
    code, out = await doctor(fake, tmp_path)
    assert "ok      claude: claude-sonnet-5-5 answered a real interviewer request" in out, out
    assert "PROBLEM database" in out and "interviewer db upgrade" in out  # a fresh file is not migrated
    assert code == 1
    [request] = fake.message_requests
    assert "output_config" in request.body and "<interview_state>" in str(request.body["messages"])


async def test_a_model_that_rejects_the_request_shape_fails_with_the_apis_own_message(fake, tmp_path):
    anthropic_rules.OVERRIDES[MODEL] = replace(TABLE[MODEL], structured_outputs=False)
    code, out = await doctor(fake, tmp_path)
    assert code == 1
    assert "PROBLEM claude" in out and "structured outputs are not supported for this model" in out, out
    assert "fix:" in out


async def test_a_model_outside_the_table_is_a_problem_naming_the_table(fake, tmp_path):
    code, out = await doctor(fake, tmp_path, model="claude-imaginary-9")
    assert code == 1 and "bot/claude/models.py" in out and not fake.message_requests
