"""The Slack bot as users start it: `interviewer run --slack --http` in its own process, driven only over
HTTP with signed requests, answering through a fake Slack Web API that enforces the documented contract."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.interview.locales import ENGLISH, texts_for
from tests.support.fakes.bot_process import BotProcess, free_port
from tests.support.fakes.slack_api import BOT_USER, FakeSlack, dm_channel
from tests.support.fakes.slack_service import (
    ANSWERS,
    SECRET,
    SlackPerson,
    buttons,
    consent_and_screen,
    home_text,
    long_plan,
    slack_env,
)
from tests.support.slack_signing import SlackPoster, signed_headers


@dataclass
class Service:
    fake: FakeSlack
    bot: BotProcess
    port: int
    poster: SlackPoster

    def person(self, user: str) -> SlackPerson:
        return SlackPerson(self.fake, self.poster, user)

    async def restart(self) -> None:
        await self.bot.stop()
        await self.start()

    async def start(self) -> None:
        await self.bot.start()
        await self.bot.wait_http(self.port)


@asynccontextmanager
async def slack_service(
    tmp_path: Path, study: dict[str, Any] | None = None, **env: str
) -> AsyncIterator[Service]:
    async with FakeSlack() as fake:
        port = free_port()
        bot = BotProcess(
            tmp_path,
            slack_env(tmp_path, fake, study, **env),
            "--slack",
            "--http",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        )
        async with SlackPoster(f"http://127.0.0.1:{port}/slack/events", SECRET, fake=fake) as poster:
            service = Service(fake, bot, port, poster)
            await service.start()
            try:
                yield service
            finally:
                await bot.stop()


async def test_a_whole_interview_with_buttons_and_the_home_tab(tmp_path: Path) -> None:
    async with slack_service(tmp_path) as service:
        alice = service.person("UALICE")
        assert "not taken part" in home_text(await alice.open_home())
        await consent_and_screen(alice)
        consent = service.fake.messages[(dm_channel("UALICE"), alice.posts[0]["ts"])]
        assert "You answered: *Yes, I agree*" in json.dumps(consent["blocks"]), (
            "the answered buttons are gone"
        )
        for answer in ANSWERS:
            if buttons(alice.last):
                break
            await alice.say(answer)
        while buttons(alice.last):
            labels = buttons(alice.last)
            await alice.click("6" if "6" in labels else "Yes")
        assert "Thank you, that's everything" in alice.last["text"]
        view = home_text(await alice.open_home())
        assert "*Tools at work*" in view and "completed" in view
        assert set(alice.statuses) == {200}, alice.statuses
        assert all(c.error is None for c in service.fake.calls), [c for c in service.fake.calls if c.error]
        await refused_requests(service)
        log = service.bot.log
        assert "Slack HTTP mode: listening" in log, "the log is being written"
        for text in [*ANSWERS, SECRET_TEXT, *(a.replace("&", "&amp;") for a in ANSWERS)]:
            assert text[:30] not in log, f"participant text in the log: {text[:30]!r}"


SECRET_TEXT = "my neighbour's name is Jo Example and she lives at 12 Hidden Road"


async def refused_requests(service: Service) -> None:
    """A request with a wrong signature, and a correctly signed one that is too old: both refused (401)."""
    body = service.poster.event_body(service.poster.message_event("UALICE", SECRET_TEXT))
    forged = await service.poster.post(body, secret="not-the-secret")
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    replayed = await service.poster.post(body, headers=stale)
    assert (forged[0], replayed[0]) == (401, 401)
    # https://docs.slack.dev/authentication/verifying-requests-from-slack/: nothing unsigned is read further
    garbage = '{"not json'
    unsigned = await service.poster.post(
        garbage, headers={"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}
    )
    not_a_time = await service.poster.post(body, headers={"X-Slack-Request-Timestamp": "abc"})
    assert (unsigned[0], not_a_time[0]) == (401, 401)
    signed_garbage = await service.poster.post(garbage)  # signed, but no event Bolt can parse
    assert signed_garbage[0] == 400, signed_garbage
    for no_event in ("{}", '{"type": "event_callback"}', "[1, 2]", "user=UALICE"):  # signed, no Slack shape
        assert (await service.poster.post(no_event))[0] == 400, no_event
    assert "ERROR" not in service.bot.log, service.bot.log[-2000:]  # an anonymous peer cannot fill the log


async def test_every_interviewer_subcommand_answers(tmp_path: Path) -> None:
    async with slack_service(tmp_path) as service:
        fake = service.fake
        fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL", "UBOTTY", "UGONE", BOT_USER])
        fake.add_user("UBOTTY", is_bot=True)
        fake.add_user("UGONE", deleted=True)
        await consent_and_screen(service.person("UALICE"))
        researcher, organizer, stranger = (
            service.person(u) for u in ("URESEARCH", "UORGANIZER", "USTRANGER")
        )
        assert "/interviewer studies" in await researcher.command("help", "help")
        assert "`pilot-study`" in await researcher.command("studies", "studies")
        assert "Tools at work" in await organizer.command("status pilot-study", "status")
        assert "only the researchers" in await stranger.command("status pilot-study", "refused")
        assert "Unknown command" in await researcher.command("frobnicate", "unknown")
        posted = await organizer.command("invite pilot-study #general", "invite-channel", typed=True)
        assert "Posted the invitation" in posted, posted
        invited = await organizer.command("invite pilot-study members:#team", "invite-members", typed=True)
        assert invited.startswith("2 invitation(s)"), (
            invited
        )  # the bot, a bot user and a deleted one left out
        assert "Europe/Lisbon" in await researcher.command("timezone Europe/Lisbon", "tz")
        assert "started" in await researcher.command("export pilot-study csv", "export")
        await fake.wait_until(lambda: bool(fake.uploads), 20)
        [upload] = fake.uploads
        assert upload["channel"] == dm_channel("URESEARCH") and upload["name"].endswith(".csv")
        exported = upload["content"].decode()
        assert list(csv.reader(io.StringIO(exported)))[0][:2] == ["transcript_id", "text"]
        assert "UALICE" not in exported, "platform ids never leave the database"
        audit = await researcher.command("audit pilot-study", "audit")
        assert "export" in audit, audit
        pilot = await researcher.command("pilot pilot-study", "pilot")
        assert pilot, pilot
        assert set(researcher.statuses + organizer.statuses + stranger.statuses) == {200}


async def test_a_burst_of_quick_lines_gets_one_reply(tmp_path: Path) -> None:
    """Lines sent faster than the quiet window are one turn and one reply, at several spacings, although
    the scheduler ticks several times while they arrive."""
    study = {"plan": long_plan()}
    async with slack_service(tmp_path, study, COALESCE_SECONDS="0.8", TICK_SECONDS="0.2") as service:
        alice = service.person("UALICE")
        await consent_and_screen(alice)
        for spacing in (0.05, 0.2, 0.5):
            before = len(alice.posts)
            for n in range(7):
                await alice.say(f"line {n} at {spacing}", expect_reply=False)
                await asyncio.sleep(spacing)
            await service.fake.wait_until(lambda: len(alice.posts) > before, 15)  # noqa: B023
            await asyncio.sleep(1.5)  # a second reply would come within this
            replies = [p["text"] for p in alice.posts[before:]]
            assert len(replies) == 1 and replies[0].endswith("?"), (spacing, replies)


async def test_a_message_sent_while_the_bot_was_down_is_answered_once_after_restart(tmp_path: Path) -> None:
    """Longer downtime than Slack's retries: the DM history is read back at start (conversations.history)."""
    async with slack_service(tmp_path) as service:
        alice = service.person("UALICE")
        await consent_and_screen(alice)
        await service.bot.stop()
        before = len(alice.posts)
        missed = service.poster.message_event("UALICE", ANSWERS[0])  # kept by Slack, never delivered
        await service.start()
        await service.fake.wait_until(lambda: len(alice.posts) > before, 20)
        assert "How do you check" in alice.last["text"], alice.last["text"]
        assert service.fake.calls_to("conversations.history")
        # Slack's own retry of that event arrives late: it is the same message, answered already
        late = service.poster.event_body(missed)
        assert (await service.poster.post(late, headers={"X-Slack-Retry-Num": "3"}))[0] == 200
        await asyncio.sleep(1.5)
        assert len(alice.posts) == before + 1


async def test_a_click_by_someone_else_on_a_participants_message_posts_nothing_there(tmp_path: Path) -> None:
    """In Slack only a DM's member sees its buttons; a payload naming Alice's DM with Bob as the user
    neither answers for Alice nor makes the bot write to Bob in Alice's DM."""
    async with slack_service(tmp_path) as service:
        alice, bob = service.person("UALICE"), service.person("UBOB")
        consent = await alice.say("hi")
        assert consent is not None
        before = len(alice.posts)
        status, _ = await service.poster.click("UBOB", consent, "Yes, I agree")
        assert status == 200
        await asyncio.sleep(2)
        assert len(alice.posts) == before, [p["text"][:60] for p in alice.posts[before:]]
        assert not service.fake.calls_to("chat.update")  # Alice's buttons still stand
        assert all(p["channel"] == dm_channel("UBOB") for p in bob.posts)


async def test_invite_members_waits_out_a_long_rate_limit_on_profiles(tmp_path: Path) -> None:
    """users.info answers 429 with Retry-After: 11 (longer than the bot waits inside a call): the command
    waits it out (https://docs.slack.dev/apis/web-api/rate-limits) and still leaves out the bot user and
    the deactivated account, instead of inviting everyone it could not look up."""
    async with slack_service(tmp_path) as service:
        fake = service.fake
        fake.add_channel("CTEAM", "team", ["UBOTTY", "UBOB", "UGONE", BOT_USER])  # the bot is looked up first
        fake.add_user("UBOTTY", is_bot=True)
        fake.add_user("UGONE", deleted=True)
        fake.rate_limit_next("users.info", retry_after=11)
        organizer = service.person("UORGANIZER")
        answer = await organizer.command("invite pilot-study members:#team", "invite", typed=True, seconds=60)
        assert answer.startswith("1 invitation(s)"), answer
        looked_up = [(c.args.get("user"), c.status) for c in fake.calls_to("users.info")]
        assert 429 in {status for _, status in looked_up}, looked_up


# ---- a study's language: the bot's own texts in it (the buttons, the answered note, the help) ----

GERMAN = texts_for("de")


async def test_a_german_studys_buttons_and_notes_are_german(tmp_path: Path) -> None:
    async with slack_service(tmp_path, {"language": "de"}) as service:
        anna = service.person("UANNA")
        consent = await anna.say("Hallo")
        assert consent is not None and buttons(consent) == [GERMAN.consent_yes, GERMAN.consent_no], consent
        assert GERMAN.ask_consent in consent["text"]

        release = await anna.click(GERMAN.consent_yes)
        assert release is not None and buttons(release) == [GERMAN.release_yes, GERMAN.release_no], release
        updates = [c.args for c in service.fake.calls_to("chat.update") if c.error is None]
        note = str(updates[-1]["blocks"]) if updates else ""
        assert f"{GERMAN.you_answered}: *{GERMAN.consent_yes}*" in note, updates
        assert ENGLISH.you_answered not in note

        home = json.dumps(await anna.open_home(), ensure_ascii=False)  # the App Home tab
        assert GERMAN.home_title in home and GERMAN.status_consent in home and "*Ihre Daten.*" in home

        helped = await anna.say("hilfe")
        assert helped is not None and helped["text"].startswith(GERMAN.help.split(".")[0]), helped
        assert "`zurückziehen`" in helped["text"] and "Commands:" not in helped["text"]


async def test_a_german_studys_numbered_options_say_in_german_how_to_answer(tmp_path: Path) -> None:
    """An option too long for a button's value (2,000 characters) makes the question numbered options to
    type; the line saying so is the study's language's, found from the interview the message belongs to."""
    long = ("Teilzeit in der Verwaltung, " * 80).strip(" ,")
    screening = [
        {"id": "rolle", "question": "Was ist Ihre Rolle?", "kind": "choice", "options": ["Technik", long]}
    ]
    async with slack_service(tmp_path, {"language": "de", "screening": screening}) as service:
        anna = service.person("UANNA")
        await anna.say("Hallo")
        await anna.click(GERMAN.consent_yes)
        question = await anna.click(GERMAN.release_yes)
        assert question is not None and not buttons(question), question
        assert question["text"].startswith("Was ist Ihre Rolle?\n\n1. Technik\n2. Teilzeit"), question[
            "text"
        ][:80]
        assert question["text"].endswith(f"\n_{GERMAN.reply_with_number}_"), question["text"][-80:]
        assert ENGLISH.reply_with_number not in question["text"]
        answered = await anna.say("2")
        assert answered is not None and "Which tasks" in answered["text"], answered


async def test_an_english_study_keeps_its_english_buttons(tmp_path: Path) -> None:
    async with slack_service(tmp_path) as service:
        consent = await service.person("UBEN").say("hi")
        assert consent is not None and buttons(consent) == [ENGLISH.consent_yes, ENGLISH.consent_no]
