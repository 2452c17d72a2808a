"""The bot's Discord side against the local fake Discord: the runtime with a connected discord.py client,
and members who write to it in DMs and click its buttons."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from adapters.discord.client import InterviewerClient, build_client, serve
from bot.runtime import Runtime
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.helpers import settings_for, start_runtime

RESEARCHER, STRANGER = "111", "222"  # the small study lists discord:111 as a researcher


class Bot:
    """The runtime and a connected discord.py client; `restart` is a process restart on the same DB.
    `async with Bot(fake, url, studies) as bot:` starts it and stops it when the block ends."""

    def __init__(self, fake: FakeDiscord, database_url: str, studies: Path):
        self.fake, self.database_url, self.studies = fake, database_url, studies
        self.starts = 0
        self.runtime: Runtime
        self.client: InterviewerClient
        self._task: asyncio.Task[None] | None = None

    async def start(self, **settings: Any) -> None:
        values = {
            "discord_token": self.fake.token,
            "discord_api_base": self.fake.base_url,
            "tick_seconds": 60,
            **settings,
        }
        self.runtime = await start_runtime(settings_for(self.database_url, self.studies, **values))
        self.client = build_client(self.runtime, guild_ready_timeout=0)
        self.client.sender.bulk_interval = 0.01
        self._task = asyncio.create_task(serve(self.runtime, self.client))
        self.starts += 1
        await self.fake.wait_identified(self.starts)
        await self.fake.wait_until(self.client.is_ready, what="client ready")

    async def stop(self) -> None:
        await self.runtime.engine.drain()
        await self.client.close()
        assert self._task is not None
        await self._task
        await self.runtime.close()

    async def restart(self, **settings: Any) -> None:
        await self.stop()
        await self.start(**settings)

    async def __aenter__(self) -> Bot:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


class Member:
    """A Discord user talking to the bot in DMs through the fake gateway."""

    def __init__(self, bot: Bot, user_id: str):
        self.bot, self.fake, self.id = bot, bot.fake, user_id

    @property
    def inbox(self) -> list[dict[str, Any]]:
        return self.fake.bot_messages(self.id)

    @property
    def last(self) -> dict[str, Any]:
        return self.inbox[-1]

    async def say(self, text: str) -> None:
        before = len(self.inbox)
        await self.fake.say(self.id, text)
        await self._settle(before)

    async def click(self, label: str, message: dict[str, Any] | None = None) -> None:
        before = len(self.inbox)
        await self.fake.click(self.id, (message or self.last)["id"], label=label)
        await self._settle(before)

    async def _settle(self, before: int) -> None:
        await self.fake.wait_until(lambda: len(self.inbox) > before, what="the bot's reply")
        await self.bot.runtime.engine.drain()


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The button components of a message the bot posted."""
    return [b for row in message.get("components", []) for b in row["components"]]
