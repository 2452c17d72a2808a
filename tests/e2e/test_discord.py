"""The Discord bot as users start it: `interviewer run --discord` in its own process, connected to a fake
Discord gateway and REST API (READY with GUILD_CREATE, the 3-second interaction deadline, nonces,
rate-limit headers), driven only through gateway events: DMs, button clicks, slash commands."""

from __future__ import annotations

import asyncio
import csv
import io
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.interview.locales import texts_for
from tests.support.fakes.bot_process import BotProcess, service_env
from tests.support.fakes.discord_api import FakeDiscord

RESEARCHER, STRANGER, MEMBER = "111", "222", "444"
ANSWERS = [
    "I use it to draft specifications and summarise long meeting notes every single week at work.",
    "I compare its output with the source documents and ask a colleague when numbers look odd to me.",
    "Probably less drafting and more reviewing, deciding what matters to the client in the end of it.",
]


class DiscordService:
    def __init__(self, fake: FakeDiscord, tmp_path: Path, study: dict[str, Any] | None = None):
        env = {
            **service_env(tmp_path, study),
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE": fake.base_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
        self.fake = fake
        self.bot = BotProcess(tmp_path, env, "--discord")

    async def start(self) -> float:
        """Start the process; returns when it is connected and ready (seconds it took)."""
        began, connected = time.monotonic(), self.bot.log.count("discord: connected as")
        await self.bot.start()
        await self.fake.wait_identified(self.bot.starts, seconds=60)
        await self.fake.wait_until(
            lambda: self.bot.log.count("discord: connected as") > connected, 30, "the bot to be ready"
        )
        return time.monotonic() - began

    def inbox(self, user: str = MEMBER) -> list[dict[str, Any]]:
        return self.fake.bot_messages(user)

    async def settled(self, user: str, before: int, seconds: float = 20) -> list[dict[str, Any]]:
        """The bot's new messages to `user` once it has answered and gone quiet for half a second."""
        await self.fake.wait_until(lambda: len(self.inbox(user)) > before, seconds, "the bot's reply")
        count = -1
        while count != len(self.inbox(user)):
            count = len(self.inbox(user))
            await asyncio.sleep(0.5)
        return self.inbox(user)[before:]

    async def say(self, text: str, user: str = MEMBER) -> list[dict[str, Any]]:
        before = len(self.inbox(user))
        await self.fake.say(user, text)
        return await self.settled(user, before)

    async def click(self, label: str, user: str = MEMBER) -> list[dict[str, Any]]:
        before = len(self.inbox(user))
        await self.fake.click(user, self.inbox(user)[-1]["id"], label=label)
        return await self.settled(user, before)

    async def command(self, user: str, subcommand: str, **options: str | bool) -> str:
        ack, text = await self.fake.answer(
            await self.fake.slash(user, "interviewer", subcommand, **options), 20
        )
        assert ack["data"]["flags"] == 64, ack  # only the caller sees it
        return text


def labels(message: dict[str, Any]) -> list[str]:
    return [b["label"] for row in message.get("components", []) for b in row["components"]]


@asynccontextmanager
async def discord_service(
    tmp_path: Path, study: dict[str, Any] | None = None
) -> AsyncIterator[DiscordService]:
    async with FakeDiscord() as fake:
        fake.guild_channel()  # the bot is in one server: READY lists it, GUILD_CREATE follows
        service = DiscordService(fake, tmp_path, study)
        await service.start()
        try:
            yield service
        finally:
            await service.bot.stop()


async def to_first_question(service: DiscordService) -> None:
    [consent] = await service.say("hi")
    assert labels(consent) == ["Yes, I agree", "No, thanks"]
    # a fast double click: both clicks reach the bot before its edit disables the buttons
    before = len(service.inbox())
    for _ in range(2):
        await service.fake.dispatch(
            "INTERACTION_CREATE", service.fake.component_interaction(MEMBER, consent, "iv:1:consent:yes")
        )
    new = await service.settled(MEMBER, before)
    assert [labels(m) for m in new] == [["Yes, you may", "No, keep it private"]], "the next question once"
    await service.click("Yes, you may")
    [question] = await service.click("Designer")
    assert question["content"].startswith("Which tasks"), question["content"]


async def test_a_whole_interview_commands_and_an_export_through_the_gateway(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        assert [c["name"] for c in fake.commands] == ["interviewer"]
        await to_first_question(service)
        for answer in ANSWERS:
            if labels(service.inbox()[-1]):
                break
            await service.say(answer)
        while labels(service.inbox()[-1]):
            options = labels(service.inbox()[-1])
            await service.click("6" if "6" in options else "Yes")
        assert "that's everything" in service.inbox()[-1]["content"]

        assert "/interviewer studies" in await service.command(RESEARCHER, "help")
        assert "Tools at work" in await service.command(RESEARCHER, "status", study="pilot-study")
        assert "only the researchers" in await service.command(STRANGER, "status", study="pilot-study")
        assert "Europe/Lisbon" in await service.command(MEMBER, "timezone", zone="Europe/Lisbon")
        assert "started" in await service.command(RESEARCHER, "export", study="pilot-study", format="csv")
        await fake.wait_until(lambda: bool(fake.uploads), 20, "the export")
        [upload] = fake.uploads
        assert upload["channel"] == fake.dm_channel_id(RESEARCHER)
        cells = [cell for row in csv.reader(io.StringIO(upload["data"].decode())) for cell in row]
        # compared cell by cell: a bare "444" may occur inside a timestamp's microseconds
        assert not any(MEMBER in (cell, cell.split(":")[-1]) for cell in cells), (
            "platform ids never leave the database"
        )
        assert not fake.late_responses, "every interaction was answered within 3 seconds"
    assert ANSWERS[0][:30] not in service.bot.log


@pytest.mark.long
async def test_downtime_and_a_crash_mid_send_are_recovered_exactly_once(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)

        # 1. written while the bot is down (stopped as systemd stops it): Discord replays nothing
        assert await service.bot.stop(how=signal.SIGTERM) == 0, service.bot.log[-2000:]
        assert "SIGTERM: stopping" in service.bot.log and "Traceback" not in service.bot.log
        before = len(service.inbox())
        fake.say_offline(MEMBER, ANSWERS[0])
        await service.start()
        [reply] = await service.settled(MEMBER, before)
        assert reply["content"].endswith("?") and "How do you check" in reply["content"], reply["content"]
        assert fake.requests_to("GET", rf"/channels/{fake.dm_channel_id(MEMBER)}/messages")

        # 2. killed while a reply is being sent: Discord created it, the bot never heard back
        dm = fake.dm_channel_id(MEMBER)
        fake.slow_next("POST", rf"/channels/{dm}/messages", 30)
        before = len(service.inbox())
        await fake.say(MEMBER, ANSWERS[1])
        await asyncio.wait_for(fake.slowed.wait(), 20)
        service.bot.kill()
        await service.bot.wait_exit()
        [sent] = service.inbox()[before:]
        restarted = time.monotonic()
        ready_after = await service.start()

        def posts() -> list[Any]:
            mine = fake.requests_to("POST", rf"/channels/{dm}/messages")
            return [r for r in mine if r.body.get("nonce") == sent["nonce"]]

        await fake.wait_until(lambda: len(posts()) == 2, 30, "the interrupted reply to be sent again")
        resent_after = time.monotonic() - restarted
        await asyncio.sleep(2)
        assert service.inbox()[before:] == [sent], "the resend reused the nonce: still one message"
        assert all(p.body.get("enforce_nonce") for p in posts())
        print(
            f"\nrestart: ready after {ready_after:.1f} s, interrupted reply resent after {resent_after:.1f} s"
        )


async def unreadable_click(
    service: DiscordService, user: str, message: dict[str, Any], custom_id: str
) -> str:
    """A click by `user` on a button of `message` given `custom_id`; the bot's private answer to it."""
    fake = service.fake
    button = {"type": 2, "style": 2, "label": "x", "custom_id": custom_id}
    payload = fake.component_interaction(
        user, {**message, "components": [{"type": 1, "components": [button]}]}, custom_id
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    ack, text = await fake.answer(payload, 10)
    assert ack["type"] == 4 and ack["data"]["flags"] == 64, ack
    return text


async def test_a_click_on_a_button_the_bot_cannot_read_is_still_answered(tmp_path: Path) -> None:
    """Every interaction needs an initial response within 3 seconds, or Discord shows "This interaction
    failed" (interactions/receiving-and-responding): an old or unreadable button gets a private note."""
    async with discord_service(tmp_path) as service:
        [consent] = await service.say("hi")
        for custom_id in ("something-old:1", "ix:1:consent:not-a-number"):
            text = await unreadable_click(service, MEMBER, consent, custom_id)
            assert text.startswith("This button no longer works"), text


async def test_an_unreadable_button_is_answered_in_the_clickers_language(tmp_path: Path) -> None:
    """The button names no study: the note is in the language of the clicker's newest interview, and
    English for someone who has none."""
    german = texts_for("de")
    async with discord_service(tmp_path, {"language": "de"}) as service:
        [consent] = await service.say("Hallo")
        for custom_id in ("something-old:1", "ix:1:consent:not-a-number"):
            assert await unreadable_click(service, MEMBER, consent, custom_id) == german.stale_button
        assert (await unreadable_click(service, STRANGER, consent, "something-old:2")).startswith(
            "This button no longer works"
        ), "no interview: English"


async def test_an_export_to_a_researcher_with_closed_dms_says_it_failed_under_the_command(
    tmp_path: Path,
) -> None:
    """The file cannot reach closed DMs (50007); the command's follow-up (valid 15 minutes,
    interactions/receiving-and-responding#followup-messages) says so where the researcher asked."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await service.say("hi")
        fake.close_dms(RESEARCHER)
        asked = await fake.slash(RESEARCHER, "interviewer", "export", study="pilot-study", format="csv")
        _, text = await fake.answer(asked, 30)
        assert "started" in text, text

        def follow_ups() -> list[dict[str, Any]]:
            return [f["body"] for f in fake.followups if f["interaction"] == asked["id"]]

        await fake.wait_until(
            lambda: any("could not be sent" in (b.get("content") or "") for b in follow_ups()), 20
        )
        [told] = [b for b in follow_ups() if "could not be sent" in (b.get("content") or "")]
        assert told["content"].startswith("The export of `pilot-study` (csv) could not be sent"), told
        assert told.get("flags") == 64, told  # only the researcher sees it


async def test_a_dm_written_while_the_connection_dropped_is_answered_once_after_the_resume(
    tmp_path: Path,
) -> None:
    """Discord holds a dropped session's events and replays them on RESUME (events/gateway#resuming): the
    reply comes once, without reading the DM's history, which only a new session needs."""
    async with discord_service(tmp_path) as service:
        fake = service.fake
        await to_first_question(service)
        before, history = len(service.inbox()), len(fake.requests_to("GET", r"/channels/\d+/messages"))
        await fake.drop_connections()  # a network failure: close code 4000, the session lives on
        await fake.say(MEMBER, ANSWERS[0])  # held for the session while it has no connection
        [reply] = await service.settled(MEMBER, before, seconds=30)
        assert reply["content"].endswith("?") and "How do you check" in reply["content"], reply["content"]
        assert (len(fake.resumes), len(fake.identifies), fake.replayed) == (1, 1, 1)
        assert len(fake.requests_to("GET", r"/channels/\d+/messages")) == history
        await asyncio.sleep(1.5)
        assert service.inbox()[before:] == [reply]


async def test_a_german_studys_buttons_and_answered_note_are_german(tmp_path: Path) -> None:
    german = texts_for("de")
    async with discord_service(tmp_path, {"language": "de"}) as service:
        [consent] = await service.say("Hallo")
        assert labels(consent) == [german.consent_yes, german.consent_no]
        assert german.ask_consent in consent["content"]
        [release] = await service.click(german.consent_yes)
        assert labels(release) == [german.release_yes, german.release_no]
        answered = service.fake.messages[consent["id"]]
        assert f"**{german.you_answered}:** {german.consent_yes}" in answered["content"], answered
        assert "You answered" not in answered["content"]
