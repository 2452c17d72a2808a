"""Slack end to end: the real Bolt AsyncApp in HTTP mode receives signed requests; its Web API client
talks to a local fake Slack (tests/support/fakes/slack_api.py). Everything stays on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import col, select

from adapters.slack.blocks import decode_choice
from adapters.slack.receive import history_inbound, message_inbound
from adapters.slack.run import check_settings, serve
from bot.engine.outbox import queue_claimed
from bot.engine.workspaces import stop_sending
from bot.errors import RateLimited
from bot.messages import Address, Choice, Outbound
from bot.runtime import Runtime
from bot.storage.models import InboxRow, Interview, OutboxRow, SurveyAnswer, Turn
from tests.support.fakes.slack_api import TEAM, FakeSlack, dm_channel
from tests.support.helpers import HangingInterviewer, kill, settings_for, start_runtime
from tests.support.slack_signing import FORM, SlackPoster
from tests.support.slack_world import ALICE, SECRET, World, bot_process, buttons, slack_settings, slack_world

ANSWERS = [
    "I use it to draft specifications & summarise long meeting notes <every single week> at work.",
    "Not sure.",
    "I compare it against the source documents and ask a colleague when numbers look odd.",
    "Less drafting, more reviewing and deciding what matters to the client in the end.",
]


async def _to_first_question(w: World) -> None:
    await w.say("hi")
    await w.click("Yes, I agree")
    await w.click("Yes, you may")
    await w.click("Designer")
    assert w.last()["text"].startswith("Which tasks"), w.last()["text"]


async def test_full_interview_from_first_dm_to_completed_survey(database_url: str, study_dir: Path) -> None:
    async with slack_world(database_url, study_dir) as w:
        await w.say("hi")
        consent = w.last()
        assert "Hello, I am an AI interviewer." in consent["text"] and "Do you agree" in consent["text"]
        assert buttons(consent) == ["Yes, I agree", "No, thanks"]
        assert decode_choice(consent["blocks"][1]["elements"][0]["value"]).prompt == "consent"  # type: ignore[union-attr]

        await w.click("Yes, I agree")
        updates = w.fake.calls_to("chat.update")
        assert len(updates) == 1 and updates[0].args["ts"] == consent["ts"]
        shown = w.fake.messages[(consent["channel"], consent["ts"])]
        assert "You answered: *Yes, I agree*" in json.dumps(shown["blocks"])
        assert not [b for b in shown["blocks"] if b["type"] == "actions"], "answered buttons are gone"
        assert buttons(w.last()) == ["Yes, you may", "No, keep it private"]

        await w.click("Yes, you may")
        assert buttons(w.last()) == ["Engineer", "Designer", "Other"]
        await w.click("Designer")
        sent_answers = []
        for answer in ANSWERS:
            if buttons(w.last()):
                break
            assert not w.last().get("blocks"), "interview questions are plain DM messages"
            await w.say(answer)
            sent_answers.append(answer)
        surveys = 0
        while buttons(w.last()):
            labels = buttons(w.last())
            assert labels in (["1", "2", "3", "4", "5", "6", "7"], ["Yes", "No"])
            await w.click("6" if "6" in labels else "Yes")
            surveys += 1
        assert surveys == 3
        assert "Thank you, that's everything" in w.last()["text"]

        async with w.runtime.store.session() as s:
            interview = (await s.exec(select(Interview))).one()
            turns = (await s.exec(select(Turn).order_by(col(Turn.seq)))).all()
            survey = {a.item_id: a.value for a in (await s.exec(select(SurveyAnswer))).all()}
        assert interview.state == "completed"
        assert survey == {"satisfaction": "6", "captured": "6", "recommend": "yes"}
        # the transcript holds what the participant typed (Slack's &amp; &lt; decoded) ...
        assert [t.text for t in turns if t.role == "participant"] == sent_answers
        # ... and exactly the questions the participant saw in Slack
        asked = [t.text for t in turns if t.role == "interviewer"]
        texts = [p["text"] for p in w.posts()]
        assert asked and all(q in texts for q in asked)
        assert not w.fake.calls_to("conversations.open"), "the DM channel came with the first event"
        assert all(c.error is None for c in w.fake.calls)


async def test_retried_event_produces_one_reply(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        body = w.slack.event_body(w.slack.message_event(ALICE, "hello"), event_id="Ev0RETRY")
        assert (await w.slack.post(body))[0] == 200
        for n in (1, 2):
            retry = {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
            assert (await w.slack.post(body, headers=retry))[0] == 200
        await w.drain()
        assert len(w.posts()) == 1
        async with w.runtime.store.session() as s:
            rows = (await s.exec(select(InboxRow))).all()
        ts = json.loads(body)["event"]["ts"]
        assert [r.dedupe_key for r in rows] == [f"slack:{TEAM}:{dm_channel(ALICE)}:{ts}"]


async def test_retry_after_a_failed_first_delivery_is_processed(sqlite_url: str, study_dir: Path) -> None:
    """Retries are not dropped: when storing the first delivery failed, Slack's retry is the one that counts."""
    async with slack_world(sqlite_url, study_dir) as w:
        engine = w.runtime.engine
        real_receive = engine.receive
        failures = [RuntimeError("database went away")]

        async def flaky_receive(inbound):  # type: ignore[no-untyped-def]
            if failures:
                raise failures.pop()
            return await real_receive(inbound)

        engine.receive = flaky_receive  # type: ignore[method-assign]
        body = w.slack.event_body(w.slack.message_event(ALICE, "hello"), event_id="Ev0FLAKY")
        assert (await w.slack.post(body))[0] == 500, "not acked: Slack will retry"
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
        assert (await w.slack.post(body, headers=retry))[0] == 200
        await w.drain()
        assert len(w.posts()) == 1 and "Do you agree" in w.last()["text"]


async def test_duplicated_block_action_produces_one_reply(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        await w.say("hi")
        body = w.slack.click_body(ALICE, w.last(), "Yes, I agree")
        statuses = await asyncio.gather(*(w.slack.post(body, FORM) for _ in range(3)))
        assert [s for s, _ in statuses] == [200, 200, 200]
        await w.drain()
        assert len(w.posts()) == 2 and buttons(w.last()) == ["Yes, you may", "No, keep it private"]
        assert len(w.fake.calls_to("chat.update")) == 1


async def test_rate_limited_post_is_retried_after_retry_after_and_delivered_once(
    sqlite_url: str, study_dir: Path
) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        w.fake.rate_limit_next("chat.postMessage", retry_after=1)
        await w.say("hi")
        attempts = w.fake.calls_to("chat.postMessage")
        assert [a.status for a in attempts] == [429, 200]
        assert attempts[1].at - attempts[0].at >= 0.95
        assert len(w.posts()) == 1
        async with w.runtime.store.session() as s:
            row = (await s.exec(select(OutboxRow))).one()
        assert row.status == "sent" and row.platform_message_id == w.last()["ts"]


async def test_rate_limited_invitation_goes_back_to_the_outbox_at_once(
    sqlite_url: str, study_dir: Path
) -> None:
    """A paced bulk message is not retried inside the call, where the retry would skip the pacer and hold
    a sending slot: even a short 429 goes back to the outbox, and the next attempt is one post."""
    async with slack_world(sqlite_url, study_dir) as w:
        sender = w.runtime.engine.dispatcher.senders["slack"]
        invitation = Outbound(
            key="inv:1", to=Address("slack", TEAM, ALICE), text="Would you take part?", purpose="invitation"
        )
        w.fake.rate_limit_next("chat.postMessage", retry_after=1)
        with pytest.raises(RateLimited) as refused:
            await sender.send(invitation)
        assert refused.value.retry_after == 1
        assert [a.status for a in w.fake.calls_to("chat.postMessage")] == [429]
        await sender.send(invitation)
        assert [a.status for a in w.fake.calls_to("chat.postMessage")] == [429, 200]
        assert [p["text"] for p in w.posts()] == ["Would you take part?"]


async def test_long_rate_limit_goes_back_to_the_outbox(sqlite_url: str, study_dir: Path) -> None:
    """A long Retry-After is not slept inside the call: the row is rescheduled and sent later, once."""
    async with slack_world(sqlite_url, study_dir) as w:
        w.fake.rate_limit_next("chat.postMessage", retry_after=30)
        await w.say("hi")
        async with w.runtime.store.session() as s:
            row = (await s.exec(select(OutboxRow))).one()
        assert row.status == "pending" and "retry after 30s" in (row.error or "")
        assert not w.posts()


async def test_slash_command_status_refuses_non_researchers(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        cases = [
            ("UNOBODY", "status pilot-study", "only the researchers and organizers"),
            ("URESEARCH", "status pilot-study", "*Tools at work* (`pilot-study`"),
            ("URESEARCH", "studies", "`pilot-study`: Tools at work (researcher)"),
            ("URESEARCH", "status", "Usage: `/interviewer status &lt;study&gt;`"),
            ("URESEARCH", "frobnicate", "Unknown command `frobnicate`"),
            ("UNOBODY", "help", "/interviewer status &lt;study&gt;"),
        ]
        for n, (user, text, _) in enumerate(cases):
            status, _ = await w.slack.command(user, text, w.fake.response_url(f"c{n}"))
            assert status == 200
        await w.fake.wait_for("respond", len(cases))
        for n, (_, _, expected) in enumerate(cases):
            [reply] = w.fake.responses[f"c{n}"]
            assert reply["response_type"] == "ephemeral"
            assert expected in reply["text"], reply["text"]


async def test_engine_crash_and_restart_answers_the_stored_message_once(
    database_url: str, study_dir: Path
) -> None:
    hanging = HangingInterviewer()
    async with FakeSlack() as fake:
        async with bot_process(database_url, study_dir, fake) as first:
            await _to_first_question(first)
            first.runtime.engine.interviewer = hanging
            body = first.slack.event_body(first.slack.message_event(ALICE, ANSWERS[0]), event_id="Ev0CRASH")
            assert (await first.slack.post(body))[0] == 200
            await asyncio.wait_for(hanging.entered.wait(), 5)
            before = len(fake.posted)
            await kill(first.runtime)
        async with bot_process(database_url, study_dir, fake) as second:
            await second.runtime.engine.recover()
            await second.runtime.engine.recover()
            await second.drain()
            assert (await second.slack.post(body, headers={"X-Slack-Retry-Num": "1"}))[0] == 200
            await second.drain()
            replies = fake.posted[before:]
            assert len(replies) == 1 and "How do you check" in replies[0]["text"]
            assert len(fake.calls_to("conversations.open")) == 1, "the new process opened the DM again"
            async with second.runtime.store.session() as s:
                said = (await s.exec(select(Turn).where(Turn.role == "participant"))).all()
            assert [t.text for t in said] == [ANSWERS[0]]


async def test_serve_in_http_mode_recovers_ticks_and_answers(sqlite_url: str, study_dir: Path) -> None:
    async with FakeSlack() as fake:
        async with start_runtime(slack_settings(sqlite_url, study_dir, fake, tick_seconds=0.05)) as runtime:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            server = asyncio.create_task(serve(runtime, http=True, port=port, host="127.0.0.1"))
            try:
                async with aiohttp.ClientSession() as session:
                    for _ in range(100):
                        with contextlib.suppress(aiohttp.ClientConnectionError):
                            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                                if response.status == 200:
                                    break
                        await asyncio.sleep(0.05)
                async with SlackPoster(f"http://127.0.0.1:{port}/slack/events", SECRET) as slack:
                    assert (await slack.message(ALICE, "hello"))[0] == 200
                await fake.wait_for("chat.postMessage")
                assert "Do you agree" in fake.posted[0]["text"]
            finally:
                server.cancel()
                await asyncio.gather(server, return_exceptions=True)


# ---- behaviour details -------------------------------------------------------------------------------


async def test_invitation_take_part_button_starts_the_study(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        sender = w.runtime.engine.dispatcher.senders["slack"]
        invitation = Outbound(
            "inv-1",
            Address("slack", TEAM, ALICE),
            "Would you talk to us about tools at work?",
            choices=(Choice("Take part", "pilot-study"),),
            prompt="start",
            purpose="invitation",
        )
        await sender.send(invitation)
        assert w.last()["blocks"][1]["elements"][0]["action_id"] == "interviewer_take_part"
        await w.click("Take part")
        assert buttons(w.last()) == ["Yes, I agree", "No, thanks"]
        async with w.runtime.store.session() as s:
            assert (await s.exec(select(Interview))).one().study_id == "pilot-study"


async def test_participant_commands_and_withdrawal_through_slack(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        await _to_first_question(w)
        await w.say("help")
        assert "`withdraw`" in w.last()["text"]
        await w.say("pause")
        assert w.last()["text"].startswith("Paused.")
        await w.say("withdraw")
        assert buttons(w.last()) == ["Yes, delete my data", "No, keep it"]
        await w.click("Yes, delete my data")
        assert "has been deleted" in w.last()["text"]
        async with w.runtime.store.session() as s:
            assert (await s.exec(select(Interview))).one().state == "withdrawn"
            assert (await s.exec(select(Turn))).all() == []


async def test_ignored_events_and_files_without_text(sqlite_url: str, study_dir: Path) -> None:
    async with slack_world(sqlite_url, study_dir) as w:
        await w.say("hi")
        ignored = [
            w.slack.message_event(ALICE, "edited", subtype="message_changed"),
            w.slack.message_event(ALICE, "", subtype="message_deleted"),
            w.slack.message_event(ALICE, "joined", subtype="channel_join"),
            w.slack.message_event("UOTHERBOT", "beep", bot_id="B999"),
            {**w.slack.message_event(ALICE, "in a channel"), "channel_type": "channel"},
        ]
        for event in ignored:
            assert (await w.slack.post(w.slack.event_body(event)))[0] == 200
        await w.drain()
        assert len(w.posts()) == 1
        await w.slack.message(ALICE, "", files=1)
        await w.drain()
        assert "I can only read text, so I have not opened or kept your file" in w.last()["text"]
        async with w.runtime.store.session() as s:
            rows = (await s.exec(select(InboxRow).order_by(col(InboxRow.id)))).all()
        assert [r.attachments for r in rows] == [0, 1]


def test_a_message_is_keyed_by_channel_and_ts_however_it_arrives() -> None:
    """An event, Slack's retry of it (another event_id) and the same message read from the history after
    downtime are one inbox row."""
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D1",
        "user": "U1",
        "text": "a &amp; b",
        "ts": "1700000000.000100",
        "client_msg_id": "c-1",
    }
    first = message_inbound({"team_id": "T1", "event_id": "Ev1", "event": event})
    retry = message_inbound({"team_id": "T1", "event_id": "Ev2", "event": event})
    read_later = history_inbound("T1", "D1", event)
    assert first is not None and first.dedupe_key == "slack:T1:D1:1700000000.000100" and first.text == "a & b"
    assert retry is not None and read_later is not None
    assert first.dedupe_key == retry.dedupe_key == read_later.dedupe_key
    assert read_later.received_at.timestamp() == 1700000000.0001, "read later: quiet since it was sent"


def test_missing_tokens_fail_fast_naming_the_variable(sqlite_url: str, study_dir: Path) -> None:
    settings = settings_for(sqlite_url, study_dir, slack_bot_token=None)
    with pytest.raises(SystemExit, match="SLACK_BOT_TOKEN"):
        check_settings(settings, http=True)
    settings = settings_for(sqlite_url, study_dir, slack_bot_token="xoxb-1", slack_app_token=None)
    with pytest.raises(SystemExit, match="SLACK_APP_TOKEN"):
        check_settings(settings, http=False)
    with pytest.raises(SystemExit, match="SLACK_SIGNING_SECRET"):
        check_settings(settings, http=True)


async def test_an_interrupted_reply_is_sent_again_only_if_it_did_not_get_through(
    sqlite_url: str, study_dir: Path
) -> None:
    """Two replies a dead process left claimed: one Slack had accepted (it is in the DM's history), one
    it never got. Once the claims lapse, the first is recognised and recorded, the second posted once."""
    async with slack_world(sqlite_url, study_dir) as w:
        await _to_first_question(w)
        who = Address("slack", TEAM, ALICE)
        lapsed = w.runtime.engine.clock() - timedelta(seconds=1)
        async with w.runtime.store.session() as s:
            for key, text in (("crash:1", "It got through before the crash."), ("crash:2", "It never left.")):
                await queue_claimed(s, key, who, text, claim_until=lapsed)
        client = w.runtime.engine.dispatcher.senders["slack"].client  # type: ignore[attr-defined]
        await client.chat_postMessage(channel=dm_channel(ALICE), text="It got through before the crash.")
        before = len(w.posts())
        await w.runtime.engine.tick()
        new = [p["text"] for p in w.posts()[before:]]
        assert new == ["It never left."], new
        async with w.runtime.store.session() as s:
            rows = (
                await s.exec(select(OutboxRow).where(col(OutboxRow.key).in_(["crash:1", "crash:2"])))
            ).all()
        assert {r.status for r in rows} == {"sent"} and all(r.platform_message_id for r in rows)


async def test_a_workspace_that_removed_the_app_gets_nothing_more(runtime: Runtime) -> None:
    async with runtime.store.session() as s:
        for team in ("TGONE", "TSTAYS"):
            await queue_claimed(s, f"inv:{team}", Address("slack", team, "U1"), "Join us?", claim_until=None)
    assert await stop_sending(runtime.store, "slack", "TGONE") == 1
    async with runtime.store.session() as s:
        rows = {r.workspace: r.status for r in (await s.exec(select(OutboxRow))).all()}
    assert rows == {"TGONE": "cancelled", "TSTAYS": "pending"}
