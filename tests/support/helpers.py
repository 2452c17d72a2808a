"""Test building blocks: a small synthetic study, databases, runtimes, and a scripted console participant."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from adapters.console import ConsoleSession
from bot.interview.moves import Move
from bot.interviewer.base import InterviewContext, Interviewer
from bot.interviewer.scripted import OfflineInterviewer
from bot.runtime import Runtime, Starting
from bot.settings import Settings

POSTGRES_URL = os.environ.get(
    "INTERVIEWER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def small_study(**overrides: Any) -> dict[str, Any]:
    """A compact valid study: one screening question, three topics, the standard survey."""
    study: dict[str, Any] = {
        "id": "pilot-study",
        "title": "Tools at work",
        "audience": "office workers",
        "research_goal": "Learn how people use software tools at work.",
        "hypotheses": ["People delegate drafting but keep judgement."],
        "consent": {
            "text": "This is a short research interview. You may skip any question.",
            "release_question": "May we publish your anonymised transcript?",
        },
        "screening": [
            {
                "id": "role",
                "question": "What is your role?",
                "kind": "choice",
                "options": ["Engineer", "Designer", "Other"],
                "group": True,
            }
        ],
        "plan": {
            "intro": "Hello, I am an AI interviewer.",
            "budget": {"minutes": 12, "max_questions": 8},
            "topics": [
                {
                    "id": "tasks",
                    "goal": "Which tasks",
                    "question": "Which tasks do you use tools for?",
                    "probes": ["Can you give a recent example?", "what you kept for yourself"],
                    "priority": "must",
                    "max_followups": 2,
                },
                {
                    "id": "trust",
                    "goal": "Trust",
                    "question": "How do you check the tools' output?",
                    "probes": ["When did it go wrong?"],
                    "priority": "must",
                    "max_followups": 1,
                },
                {
                    "id": "future",
                    "goal": "Future",
                    "question": "How might your role change?",
                    "probes": ["What would you miss?"],
                    "priority": "could",
                    "max_followups": 1,
                },
            ],
            "closing": "Thank you, that is all my questions.",
        },
        "support": "If this brings up anything difficult, please talk to someone you trust.",
        "researchers": ["slack:URESEARCH", "discord:111"],
        "organizers": ["slack:UORGANIZER"],
    }
    study.update(overrides)
    return study


def write_study(directory: Path, **overrides: Any) -> Path:
    data = small_study(**overrides)
    path = directory / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def postgres_available() -> bool:
    parsed = urlparse(POSTGRES_URL.replace("+psycopg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    import psycopg

    base = urlparse(POSTGRES_URL.replace("+psycopg", ""))
    admin = base._replace(path="/postgres").geturl()
    name = f"itest_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with await psycopg.AsyncConnection.connect(admin, autocommit=True) as conn:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings_for(database_url: str, studies_dir: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "studies_dir": studies_dir,
        "coalesce_seconds": 0,
        "default_study": "pilot-study",
        "anthropic_api_key": None,
        "pseudonym_key": "test-key",
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def start_runtime(settings: Settings, interviewer: Interviewer | None = None, **kw: Any) -> Starting:
    """`Runtime.start` with the offline interviewer unless the test brings its own, so no test reaches
    Claude by accident: `async with start_runtime(settings) as runtime:` closes it when the block ends."""
    return Runtime.start(settings, interviewer=interviewer or OfflineInterviewer(), **kw)


class Console:
    """A console participant a test can drive: `await c.say(...)`, then read `c.texts` / `c.last`."""

    def __init__(self, runtime: Runtime, study_id: str = "pilot-study", name: str = "tester"):
        self.out = io.StringIO()
        self.session = ConsoleSession(runtime.engine, study_id, name, out=self.out)

    async def say(self, text: str) -> None:
        await self.session.say(text)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.session.sender.sent]

    @property
    def last(self):  # type: ignore[no-untyped-def]
        return self.session.sender.last


class HangingInterviewer:
    """Never answers, so a test can 'kill' the process while a stored message waits for its reply."""

    name = "hanging"

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def next_move(self, context: InterviewContext) -> Move:
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def kill(runtime: Runtime) -> None:
    """Simulate a crash: cancel in-flight work without letting it finish, then drop the connections."""
    tasks = list(runtime.engine._tasks.values())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await runtime.store.close()


async def run_interviewer(
    cwd: Path, *args: str, env: dict[str, str], seconds: float = 60
) -> tuple[int, str, str]:
    """Start the `interviewer` command as a user does: (exit status, stdout, stderr). Settings for Claude,
    Slack, Discord and the database come only from `env`, never from the environment running the tests."""
    own = ("ANTHROPIC_", "SLACK_", "DISCORD_", "DATABASE_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(own)} | env
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "interviewer"),
        *args,
        cwd=cwd,
        env=clean,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), seconds)
    return process.returncode or 0, out.decode(), err.decode()


def import_target(runtime: Runtime, study_id: str = "pilot-study"):  # type: ignore[no-untyped-def]
    """Where `import_csv` puts transcripts: the study's current plan, the runtime's pseudonyms."""
    from bot.records.importer import Target

    current = runtime.catalog.current(study_id)
    return Target(study_id, current.version, current.plan_hash, runtime.engine.pseudonyms)
