"""One bot process wired to the local fake Slack: the runtime, the real Bolt app on a local port, and a
poster that signs requests the way Slack does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.slack.app import build_app
from adapters.slack.run import start_http
from bot.interviewer.base import Interviewer
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.helpers import settings_for, start_runtime
from tests.support.slack_signing import SlackPoster

SECRET = "test-signing-secret"  # the app's signing secret; SlackPoster signs with it as Slack does
ALICE = "UALICE"


@dataclass
class World:
    """One bot process wired to the fake Slack: runtime, Bolt app on a local port, and Slack's side."""

    runtime: Runtime
    fake: FakeSlack
    slack: SlackPoster
    runner: web.AppRunner

    async def drain(self) -> None:
        await self.runtime.engine.drain()

    def posts(self, user: str = ALICE) -> list[dict[str, Any]]:
        return [p for p in self.fake.posted if p["channel"] == dm_channel(user)]

    def last(self, user: str = ALICE) -> dict[str, Any]:
        return self.posts(user)[-1]

    async def say(self, text: str, user: str = ALICE) -> None:
        status, _ = await self.slack.message(user, text)
        assert status == 200
        await self.drain()

    async def click(self, label: str, user: str = ALICE) -> None:
        status, _ = await self.slack.click(user, self.last(user), label)
        assert status == 200
        await self.drain()


def slack_settings(database_url: str, study_dir: Path, fake: FakeSlack, **extra: Any) -> Settings:
    """Settings for a bot that talks to `fake` and checks requests against SECRET."""
    return settings_for(
        database_url,
        study_dir,
        slack_bot_token=fake.token,
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        **extra,
    )


@asynccontextmanager
async def bot_process(
    database_url: str, study_dir: Path, fake: FakeSlack, interviewer: Interviewer | None = None
) -> AsyncIterator[World]:
    """The bot's side of a Slack world, on a Slack fake the caller started (so it can outlive a restart)."""
    async with start_runtime(slack_settings(database_url, study_dir, fake), interviewer) as runtime:
        runner = await start_http(build_app(runtime), signing_secret=SECRET, host="127.0.0.1", port=0)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
        try:
            async with SlackPoster(url, SECRET, fake=fake) as slack:
                yield World(runtime, fake, slack, runner)
        finally:
            await runner.cleanup()


@asynccontextmanager
async def slack_world(
    database_url: str, study_dir: Path, interviewer: Interviewer | None = None
) -> AsyncIterator[World]:
    """A fake Slack and one bot process talking to it, both stopped when the block ends."""
    async with FakeSlack() as fake:
        fake.member(ALICE)  # the person the tests talk as
        async with bot_process(database_url, study_dir, fake, interviewer) as world:
            yield world


def buttons(post: dict[str, Any]) -> list[str]:
    """The labels of the buttons under a posted message."""
    return [
        e["text"]["text"] for b in post.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]
    ]
