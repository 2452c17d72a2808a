"""Driving a started Slack bot from Slack's side only: what a participant or researcher does in Slack
becomes signed HTTP requests (or Socket Mode envelopes), and what they see is read from the fake Slack.

    person = SlackPerson(fake, deliver, "UALICE")          # deliver: SlackPoster.post or a Socket Mode push
    reply = await person.say("hi")                         # waits for the bot's next post in their DM
    reply = await person.click("Yes, I agree")             # clicks a button on the latest post
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tests.support.fakes.bot_process import BotProcess, service_env
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.fakes.slack_rules import command_wire_text, manifest_escapes_commands
from tests.support.fakes.slack_socket import SocketMode
from tests.support.helpers import small_study
from tests.support.slack_signing import FORM, JSON, SlackPoster

# Sends one request body as Slack would (HTTP POST or a Socket Mode envelope); returns the HTTP status
Deliver = Callable[[str, str], Awaitable[int]]


def http_delivery(poster: SlackPoster) -> Deliver:
    async def deliver(body: str, content_type: str) -> int:
        status, _ = await poster.post(body, content_type)
        return status

    return deliver


def buttons(post: dict[str, Any]) -> list[str]:
    return [
        e["text"]["text"] for b in post.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]
    ]


class SlackPerson:
    """One Slack user talking to the bot in their DM, and typing /interviewer commands."""

    def __init__(self, fake: FakeSlack, poster: SlackPoster, user: str, deliver: Deliver | None = None):
        self.fake, self.poster, self.user = fake, poster, user
        self.deliver = deliver or http_delivery(poster)
        self.statuses: list[int] = []

    @property
    def posts(self) -> list[dict[str, Any]]:
        return [p for p in self.fake.posted if p["channel"] == dm_channel(self.user)]

    @property
    def last(self) -> dict[str, Any]:
        return self.posts[-1]

    async def _send(
        self, body: str, content_type: str, *, expect_reply: bool, seconds: float
    ) -> dict[str, Any] | None:
        before = len(self.posts)
        self.statuses.append(await self.deliver(body, content_type))
        if not expect_reply:
            return None
        await self.fake.wait_until(lambda: len(self.posts) > before, seconds)
        await self.settled()
        return self.posts[before]

    async def settled(self, quiet: float = 0.5) -> None:
        """Until the bot has posted nothing new in the DM for `quiet` seconds (one answer may be several
        posts: a closing line, then the first survey question)."""
        count = -1
        while count != len(self.posts):
            count = len(self.posts)
            await asyncio.sleep(quiet)

    async def say(
        self, text: str, *, expect_reply: bool = True, seconds: float = 15
    ) -> dict[str, Any] | None:
        body = self.poster.event_body(self.poster.message_event(self.user, text))
        return await self._send(body, JSON, expect_reply=expect_reply, seconds=seconds)

    async def click(
        self, label: str, *, expect_reply: bool = True, seconds: float = 15
    ) -> dict[str, Any] | None:
        body = self.poster.click_body(self.user, self.last, label)
        return await self._send(body, FORM, expect_reply=expect_reply, seconds=seconds)

    async def command(self, text: str, tag: str, *, typed: bool = False, seconds: float = 15) -> str:
        """`/interviewer text` (as typed, channels picked as #name, when `typed`); the ephemeral answer."""
        url = self.fake.response_url(tag)
        if typed:
            channels = {c["name"]: c["id"] for c in self.fake.workspace(self.poster.team).channels.values()}
            text = command_wire_text(text, channels, manifest_escapes_commands())
        body = self.poster.command_body(self.user, text, url)
        self.statuses.append(await self.deliver(body, FORM))
        await self.fake.wait_until(lambda: bool(self.fake.responses.get(tag)), seconds)
        answer = self.fake.responses[tag][0]  # work that ends later may answer again (export failures)
        assert answer["response_type"] == "ephemeral", answer
        return str(answer["text"])

    async def open_home(self, seconds: float = 15) -> dict[str, Any]:
        before = len(self.fake.calls_to("views.publish"))
        self.statuses.append(await self.deliver(self.poster.home_body(self.user), JSON))
        await self.fake.wait_until(
            lambda: len([c for c in self.fake.calls_to("views.publish") if c.error is None]) > before, seconds
        )
        return self.fake.home_views[self.user]


def home_text(view: dict[str, Any]) -> str:
    return json.dumps(view)


SECRET = "e2e-signing-secret"
ANSWERS = [
    "I use it to draft specifications & summarise long meeting notes <every single week> at work.",
    "I compare its output with the source documents and ask a colleague when numbers look odd to me.",
    "Probably less drafting and more reviewing, deciding what matters to the client in the end of it.",
    "I would miss writing the first version myself, because that is where I do most of my thinking.",
]


def long_plan() -> dict[str, Any]:
    """Six topics without follow-ups: every participant turn gets exactly one question back."""
    plan = small_study()["plan"]
    topics = [
        {
            "id": f"t{n}",
            "goal": f"Goal {n}",
            "question": f"Question {n}?",
            "probes": [],
            "priority": "must",
            "max_followups": 0,
        }
        for n in range(6)
    ]
    return {**plan, "topics": topics, "budget": {"minutes": 30, "max_questions": 12}}


def slack_env(
    tmp_path: Path, fake: FakeSlack, study: dict[str, Any] | None = None, **extra: str
) -> dict[str, str]:
    return {
        **service_env(tmp_path, study),
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        **extra,
    }


async def consent_and_screen(person: SlackPerson) -> dict:
    consent = await person.say("hi")
    assert consent is not None and buttons(consent) == ["Yes, I agree", "No, thanks"], consent
    await person.click("Yes, I agree")
    assert buttons(person.last) == ["Yes, you may", "No, keep it private"]
    await person.click("Yes, you may")
    assert buttons(person.last) == ["Engineer", "Designer", "Other"]
    question = await person.click("Designer")
    assert question is not None and question["text"].endswith("?"), question
    return question


@asynccontextmanager
async def socket_mode_bot(tmp_path: Path) -> AsyncIterator[tuple[FakeSlack, SocketMode, BotProcess]]:
    """`interviewer run --slack` in Socket Mode (an app-level token, no signing secret), connected to a
    fake Slack; stopped with Ctrl-C when the block ends."""
    fake = FakeSlack()
    socket = SocketMode(fake)
    async with fake:
        env = slack_env(tmp_path, fake, SLACK_APP_TOKEN=fake.app_token)
        del env["SLACK_SIGNING_SECRET"]
        bot = BotProcess(tmp_path, env, "--slack")
        await bot.start()
        try:
            await socket.connected()
            yield fake, socket, bot
        finally:
            await bot.stop()
