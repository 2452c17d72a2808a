"""Slack's Web API side on its own: the sender against the local fake Web API (mrkdwn safety, splitting,
errors as delivery errors, pacing, answered messages, file upload)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from adapters.slack.blocks import SECTION_LIMIT, plain_text, split_text
from adapters.slack.client import make_client
from adapters.slack.web import DELETES_PER_MINUTE, SlackSender
from bot.errors import Permanent, RateLimited, Transient, Unreachable
from bot.messages import Address, Choice, Outbound
from bot.storage.models import OutboxRow, Participant
from tests.support.fakes.slack_api import TEAM, FakeSlack, dm_channel
from tests.support.helpers import settings_for
from tests.support.slack_world import ALICE, slack_world


@asynccontextmanager
async def sender_and_fake(**kw: Any) -> AsyncIterator[tuple[SlackSender, FakeSlack]]:
    async with FakeSlack() as fake:
        for user in (ALICE, *(f"U{n}" for n in range(5))):
            fake.member(user)
        settings = settings_for("sqlite+aiosqlite:///unused.db", Path("."), slack_api_url=fake.base_url)
        yield SlackSender(make_client(settings, token=fake.token), **kw), fake


def _out(text: str, key: str = "k1", user: str = ALICE, **kw: Any) -> Outbound:
    return Outbound(key, Address("slack", TEAM, user), text, **kw)


async def test_text_is_mrkdwn_safe_and_long_texts_are_split() -> None:
    paragraph = "This sentence is here to make a long message. " * 30
    text = "Hi <!channel> & <@U123> > you\n\n" + "\n\n".join(paragraph.strip() for _ in range(6))
    async with sender_and_fake() as (sender, fake):
        ts = await sender.send(
            _out(text, choices=(Choice("Yes", "yes"), Choice("No", "no")), prompt="consent")
        )
        posts = fake.posted
        assert len(posts) >= 3 and all(len(p["text"]) <= SECTION_LIMIT for p in posts)
        assert posts[0]["text"].startswith("Hi &lt;!channel&gt; &amp; &lt;@U123&gt; &gt; you")
        assert [bool(p.get("blocks")) for p in posts] == [False] * (len(posts) - 1) + [True]
        assert ts.split() == [p["ts"] for p in posts], "every piece, to delete them all"
        assert all(p["text"].endswith(".") for p in posts), "cut at sentence or paragraph ends"
        assert fake.calls_to("conversations.open")[0].args["users"] == ALICE


def test_split_never_cuts_an_entity_and_plain_text_decodes_slack_markup() -> None:
    pieces = split_text("x" * 2998 + "&amp;" + "y" * 10)
    assert pieces == ["x" * 2998, "&amp;" + "y" * 10]
    assert (
        plain_text("see <https://a.example|the doc> &amp; <mailto:b@c.d|b@c.d> &lt;3")
        == "see the doc & b@c.d <3"
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("user_not_found", Unreachable),
        ("account_inactive", Transient),  # the bot's own token, not the recipient: it waits
        ("cannot_dm_bot", Unreachable),
        ("internal_error", Transient),
        ("invalid_auth", Transient),
        ("msg_too_long", Permanent),
        ("ratelimited", RateLimited),
    ],
)
async def test_slack_errors_become_delivery_errors(error: str, expected: type[Exception]) -> None:
    async with sender_and_fake() as (sender, fake):
        fake.fail_next("conversations.open", error)
        with pytest.raises(expected):
            await sender.send(_out("hello"))


async def test_network_failure_is_transient_and_unreachable_marks_the_participant(
    sqlite_url: str, study_dir: Path
) -> None:
    async with sender_and_fake() as (sender, fake):
        port = fake.port
    settings = settings_for(sqlite_url, study_dir, slack_api_url=f"http://127.0.0.1:{port}/api/")
    offline = SlackSender(make_client(settings, token="xoxb-x"))
    with pytest.raises(Transient):
        await offline.send(_out("hello"))
    async with slack_world(sqlite_url, study_dir) as w:
        await w.say("hi")
        w.fake.fail_next("chat.postMessage", "account_inactive")  # the bot token's workspace, not Alice
        await w.say("1")  # typed answer to the consent buttons
        async with w.runtime.store.session() as s:
            participant = (await s.exec(select(Participant))).one()
            waiting = (await s.exec(select(OutboxRow).where(OutboxRow.status == "pending"))).all()
        assert (
            not participant.unreachable
            and len(waiting) == 1
            and "account_inactive" in (waiting[0].error or "")
        )
        w.fake.fail_next("chat.postMessage", "channel_not_found")  # Alice's DM is gone
        async with w.runtime.store.session() as s:
            row = waiting[0]
            row.not_before = row.created_at  # its retry is due
            s.add(row)
        await w.runtime.engine.dispatcher.send_due()
        async with w.runtime.store.session() as s:
            participant = (await s.exec(select(Participant))).one()
            failed = (await s.exec(select(OutboxRow).where(OutboxRow.status == "failed"))).all()
        assert participant.unreachable and len(failed) == 1 and "channel_not_found" in (failed[0].error or "")


async def test_bulk_sends_are_paced_per_workspace_and_replies_are_not() -> None:
    async with sender_and_fake(bulk_per_second=20) as (sender, fake):
        start = time.perf_counter()
        for n in range(5):
            await sender.send(_out("Join us?", key=f"inv{n}", user=f"U{n}", purpose="invitation"))
        assert time.perf_counter() - start >= 4 / 20 * 0.9  # slots 50 ms apart: at least 4 waits
        [pacer] = sender._pacers.values()
        next_slot = pacer._next
        for n in range(5):
            await sender.send(_out("reply", key=f"r{n}", user=f"U{n}"))
        assert pacer._next == next_slot  # replies never take a pacing slot
        assert len(fake.calls_to("chat.postMessage")) == 10


async def test_deletions_keep_to_the_workspaces_minute_and_the_rest_is_left_for_later() -> None:
    """chat.delete is Tier 3 (50 a minute per workspace, enforced by the fake): the sender deletes up to
    DELETES_PER_MINUTE at once, then answers RateLimited for the rest of the minute without calling
    Slack, all pieces of a split message counted together; another workspace has its own minute."""
    async with sender_and_fake() as (sender, fake):
        alice = Address("slack", TEAM, ALICE)
        ids = [await sender.send(_out(f"Question {n}?", key=f"q{n}")) for n in range(DELETES_PER_MINUTE)]
        two = await sender.send(_out("x" * (SECTION_LIMIT + 10), key="long"))
        assert len(two.split()) == 2
        for message_id in ids[:-1]:
            await sender.delete(alice, message_id)
        with pytest.raises(RateLimited) as waited:
            await sender.delete(alice, two)  # one slot left: not enough for both pieces
        assert 55 < waited.value.retry_after <= 60
        await sender.delete(alice, ids[-1])
        with pytest.raises(RateLimited):
            await sender.delete(alice, two)
        assert len(fake.calls_to("chat.delete")) == DELETES_PER_MINUTE, "none past the allowance"
        assert {c.status for c in fake.calls_to("chat.delete")} == {200}
        elsewhere = Address("slack", "T0OTHER", ALICE)  # the sender's allowance is per workspace
        other = await sender.send(Outbound("o1", elsewhere, "Hello?"))
        await sender.delete(elsewhere, other)
        assert fake.calls_to("chat.delete")[-1].status == 200


async def test_mark_answered_and_file_upload() -> None:
    async with sender_and_fake() as (sender, fake):
        message = _out(
            "Pick one", choices=(Choice("A", "a"), Choice("B", "b")), prompt="screen:x", interview_id=7
        )
        ts = await sender.send(message)
        await sender.mark_answered(ts, message, "B <b>")
        [update] = fake.calls_to("chat.update")
        assert update.args["ts"] == ts and "You answered: *B &lt;b&gt;*" in json.dumps(update.args["blocks"])
        file_id = await sender.upload_file(
            Address("slack", TEAM, ALICE), "export.csv", "a,b\n1,2\n", comment="Here"
        )
        [upload] = fake.uploads
        assert (
            upload["id"] == file_id
            and upload["content"] == b"a,b\n1,2\n"
            and upload["channel"] == dm_channel(ALICE)
        )
