"""Fixtures of the Discord adapter tests: a local fake Discord, the bot connected to it, and discord.py's
class-level endpoints put back after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.gateway import DiscordWebSocket

from tests.support.discord_world import Bot
from tests.support.fakes.discord_api import FakeDiscord


@pytest.fixture(autouse=True)
def _restore_discord_endpoints() -> Any:
    """build_client points discord.py's class-level REST base and gateway at the fake; put them back."""
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDiscord, sqlite_url: str, study_dir: Path) -> AsyncIterator[Bot]:
    async with Bot(fake, sqlite_url, study_dir) as running:
        yield running
