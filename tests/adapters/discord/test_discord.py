"""Discord: the real discord.py client against a local fake Discord, from first DM to withdrawal."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
from sqlmodel import select

from adapters.discord.client import serve
from bot.engine.outbox import queue
from bot.errors import Permanent, RateLimited
from bot.interview.locales import ENGLISH
from bot.messages import Address, Choice, Outbound
from bot.runtime import Runtime
from bot.storage.models import Interview, OutboxRow, Participant, SurveyAnswer
from tests.support.discord_world import RESEARCHER, STRANGER, Bot, Member, buttons
from tests.support.fakes.discord_api import FakeDiscord


async def test_serve_without_token_names_the_variable(runtime: Runtime) -> None:
    with pytest.raises(SystemExit, match="DISCORD_TOKEN"):
        await serve(runtime)


# ---- end to end: the real discord.py client against FakeDiscord --------------------------------------


async def test_client_connects_registers_commands_and_heartbeats(bot: Bot, fake: FakeDiscord) -> None:
    assert fake.ws_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    intents = discord.Intents._from_value(fake.identifies[0]["intents"])
    assert intents.dm_messages and not (intents.message_content or intents.members or intents.presences)
    await fake.wait_until(lambda: fake.heartbeats >= 1, what="a heartbeat")
    (command,) = fake.commands
    assert command["name"] == "interviewer"
    subcommands = {o["name"]: o for o in command["options"]}
    assert set(subcommands) == {"help", "studies", "status", "audit", "pilot", "export", "invite", "timezone"}
    assert (
        subcommands["status"]["options"][0]["name"] == "study"
        and subcommands["status"]["options"][0]["required"]
    )


async def test_full_interview_from_first_dm_to_completed_survey(bot: Bot, fake: FakeDiscord) -> None:
    m = Member(bot, "444")
    await m.say("hi")
    assert "Do you agree" in m.last["content"]
    assert [b["label"] for b in buttons(m.last)] == ["Yes, I agree", "No, thanks"]
    await m.say("help")
    assert "`withdraw`" in m.last["content"]
    consent = m.inbox[0]
    await m.click("Yes, I agree", consent)
    assert consent["content"].endswith("**You answered:** Yes, I agree")
    assert all(b["disabled"] for b in buttons(consent))
    await m.click("Yes, you may")
    await m.click("Designer")
    answers = iter(
        [
            "I use it to draft specifications and summarise long meeting notes every single week.",
            "Not sure.",
            "I compare it with the source documents and ask a colleague when numbers look odd.",
            "Less drafting, more reviewing and deciding what matters to the client in the end.",
            "I would miss the quiet time spent writing first drafts myself.",
        ]
    )
    while not any(b["custom_id"].split(":")[2] == "survey" for b in buttons(m.last)):
        assert not buttons(m.last), "interview questions are plain text"
        await m.say(next(answers))
    satisfaction = m.last
    stale = {
        **satisfaction,
        "components": [
            dict(r, components=[dict(b) for b in r["components"]]) for r in satisfaction["components"]
        ],
    }
    await m.click("6")
    with pytest.raises(AssertionError, match="disabled"):
        await fake.click(m.id, satisfaction["id"], label="2")
    # A click racing the edit (sent from the message as it was) must not answer the item again.
    before = len(m.inbox)
    await fake.dispatch(
        "INTERACTION_CREATE", fake.component_interaction(m.id, stale, "iv:1:survey:satisfaction:2")
    )
    await bot.runtime.engine.drain()
    await asyncio.sleep(0.2)
    assert len(m.inbox) == before, "a stale click posts nothing: the next question is already on screen"
    await m.click("6", m.inbox[-1])
    await m.click("Yes")
    assert "that's everything" in m.last["content"]
    async with bot.runtime.store.session() as s:
        interview = (await s.exec(select(Interview))).one()
        survey = {a.item_id: a.value for a in (await s.exec(select(SurveyAnswer))).all()}
    assert interview.state == "completed"
    assert survey == {"satisfaction": "6", "captured": "6", "recommend": "yes"}
    posts = fake.requests_to("POST", r"/channels/\d+/messages")
    assert posts and all(
        p.body["enforce_nonce"] and p.body["nonce"] and p.body["allowed_mentions"] == {"parse": []}
        for p in posts
    )
    assert all(len(p.body["content"]) <= 2000 for p in posts)


async def test_participant_can_withdraw_with_buttons(bot: Bot) -> None:
    m = Member(bot, "445")
    await m.say("hi")
    await m.say("withdraw")
    assert [b["label"] for b in buttons(m.last)] == ["Yes, delete my data", "No, keep it"]
    await m.click("Yes, delete my data")
    async with bot.runtime.store.session() as s:
        assert (await s.exec(select(Interview))).one().state == "withdrawn"


async def test_button_click_after_client_restart_still_works(bot: Bot, fake: FakeDiscord) -> None:
    m = Member(bot, "555")
    await m.say("hi")
    consent = m.last
    # A new process on the same database; this time the gateway URL is configured, not discovered.
    await bot.restart(discord_gateway_url=fake.gateway_url)
    await m.click("Yes, I agree", consent)
    assert "May we publish" in m.last["content"]
    assert all(b["disabled"] for b in buttons(consent))
    async with bot.runtime.store.session() as s:
        assert (await s.exec(select(Interview))).one().state == "awaiting_consent"


async def test_a_dm_missed_while_a_resume_failed_is_read_back_after_ready(
    bot: Bot, fake: FakeDiscord
) -> None:
    """The connection drops and Discord no longer knows the session: the RESUME gets INVALID_SESSION, the
    client identifies anew, and nothing the old session missed is replayed; the bot reads it back."""
    m = Member(bot, "556")
    await m.say("hi")
    await m.click("Yes, I agree")
    before = len(m.inbox)
    fake.invalidate_sessions()
    await fake.drop_connections()
    fake.say_offline(m.id, "No, keep it private")
    await fake.wait_identified(2)
    await fake.wait_until(lambda: len(m.inbox) > before, 15, "the missed message to be answered")
    await bot.runtime.engine.drain()
    assert fake.resumes and "What is your role?" in m.inbox[before]["content"]
    assert len(m.inbox) == before + 1


async def test_duplicated_message_create_yields_one_reply(bot: Bot, fake: FakeDiscord) -> None:
    received: list[tuple[str, bool]] = []
    engine = bot.runtime.engine
    original = engine.receive

    async def counting(inbound: Any) -> bool:
        fresh = await original(inbound)
        received.append((inbound.dedupe_key, fresh))
        return fresh

    engine.receive = counting  # type: ignore[method-assign]
    payload = fake.message_create("666", "hi")
    await fake.dispatch("MESSAGE_CREATE", payload)
    await fake.dispatch("MESSAGE_CREATE", payload)  # Discord may deliver an event twice (e.g. after a resume)
    await fake.wait_until(lambda: len(received) == 2, what="both deliveries")
    await engine.drain()
    assert sorted(received) == [
        (f"discord:msg:{payload['id']}", False),
        (f"discord:msg:{payload['id']}", True),
    ]
    assert len(fake.bot_messages("666")) == 1


async def test_cannot_dm_invitation_marks_participant_unreachable_once(bot: Bot, fake: FakeDiscord) -> None:
    fake.close_dms("777")
    who = Address("discord", "dm", "777")
    async with bot.runtime.store.session() as s:
        s.add(Participant(platform="discord", workspace="dm", user_id="777"))
        queue(s, "invite:pilot-study:777", who, "You're invited to a short interview.", purpose="invitation")
    # this call or the running scheduler's tick claims the row, whichever comes first: wait for its end
    assert await bot.runtime.engine.dispatcher.send_due() == 0

    async def settled() -> OutboxRow:
        for _ in range(500):
            async with bot.runtime.store.session() as s:
                row = (await s.exec(select(OutboxRow))).one()
            if row.status == "failed":
                return row
            await asyncio.sleep(0.01)
        raise AssertionError(f"the invitation is still {row.status}")

    await settled()
    await bot.runtime.engine.tick()  # a later round must not try again
    dm = fake.dm_channel_id("777")
    assert len(fake.requests_to("POST", rf"/channels/{dm}/messages")) == 1
    row = await settled()
    async with bot.runtime.store.session() as s:
        participant = (await s.exec(select(Participant))).one()
    assert row.status == "failed" and row.error and row.error.startswith("unreachable")
    assert participant.unreachable
    assert (bot.client.sender.unreachable_count, bot.client.sender.invalid_requests) == (1, 1)


async def test_non_researcher_status_is_refused_ephemerally(bot: Bot, fake: FakeDiscord) -> None:
    async def ask(user: str, **options: str) -> str:
        ack, text = await fake.answer(await fake.slash(user, "interviewer", "status", **options))
        assert ack == {"type": 5, "data": {"flags": 64}}, "deferred first, visible to the caller only"
        return text

    refused = await ask(STRANGER, study="pilot-study")
    assert "only the researchers" in refused and "discord:222" in refused
    assert "Tools at work" in await ask(RESEARCHER, study="pilot-study")
    assert "There is no study `nope`" in await ask(RESEARCHER, study="nope")


async def test_take_part_with_dms_closed_explains_how_to_open_them(bot: Bot, fake: FakeDiscord) -> None:
    channel = fake.guild_channel()
    invitation = await bot.client.sender.post_take_part(
        int(channel["id"]), "Help us learn about tools at work.", "pilot-study"
    )
    assert [b["custom_id"] for b in buttons(fake.messages[invitation])] == [
        "take-part:pilot-study",
        "not-now:pilot-study",
    ]

    async def take_part() -> str:
        payload = await fake.click("888", invitation, label="Take part")
        await fake.wait_until(
            lambda: any(f["interaction"] == payload["id"] for f in fake.followups), what="answer"
        )
        ack = next(c["body"] for c in fake.callbacks if c["interaction"] == payload["id"])
        assert ack == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
        await bot.runtime.engine.drain()
        return next(f["body"]["content"] for f in fake.followups if f["interaction"] == payload["id"])

    fake.close_dms("888")
    assert await take_part() == ENGLISH.dms_closed
    assert "Privacy Settings" in ENGLISH.dms_closed and "Direct Messages" in ENGLISH.dms_closed
    async with bot.runtime.store.session() as s:
        assert (await s.exec(select(Participant))).one().unreachable
    fake.open_dms("888")
    assert await take_part() == ENGLISH.dms_sent
    assert "Do you agree" in fake.bot_messages("888")[-1]["content"]


async def test_long_text_is_split_and_never_pings(bot: Bot, fake: FakeDiscord) -> None:
    text = "@everyone look. " + "\n\n".join(f"Paragraph {i}. " + "Words here. " * 140 for i in range(3))
    out = Outbound(
        "long",
        Address("discord", "dm", "999"),
        text,
        prompt="consent",
        interview_id=3,
        outbox_id=41,
        choices=(Choice("Yes", "yes"), Choice("No", "no")),
    )
    message_id = await bot.client.sender.send(out)
    sent = fake.bot_messages("999")
    assert len(sent) == 3 and message_id.split() == [m["id"] for m in sent], "every piece, to delete them all"
    assert all(len(m["content"]) <= 2000 for m in sent) and "@everyone" not in sent[0]["content"]
    assert [bool(m["components"]) for m in sent] == [False, False, True]
    posts = fake.requests_to("POST", rf"/channels/{fake.dm_channel_id('999')}/messages")
    assert [p.body["nonce"] for p in posts] == ["o41p0", "o41p1", "o41p2"]
    assert all(p.body["allowed_mentions"] == {"parse": []} for p in posts)


async def test_resending_an_outbox_row_posts_nothing_new(bot: Bot, fake: FakeDiscord) -> None:
    """A retry after a crash mid-send reuses the nonce; Discord answers with the message already posted."""
    out = Outbound("i1:0", Address("discord", "dm", "1001"), "Hello again", outbox_id=77)
    first = await bot.client.sender.send(out)
    second = await bot.client.sender.send(out)
    assert first == second and len(fake.bot_messages("1001")) == 1


async def test_rate_limit_is_waited_out_by_discordpy(bot: Bot, fake: FakeDiscord) -> None:
    fake.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=0.05)
    await bot.client.sender.send(Outbound("rl", Address("discord", "dm", "1002"), "hi", outbox_id=78))
    assert len(fake.requests_to("POST", r"/channels/\d+/messages")) == 2
    assert len(fake.bot_messages("1002")) == 1


async def test_cloudflare_style_429_becomes_rate_limited(bot: Bot, fake: FakeDiscord) -> None:
    fake.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=30, via=False)
    with pytest.raises(RateLimited) as caught:
        await bot.client.sender.send(Outbound("cf", Address("discord", "dm", "1003"), "hi", outbox_id=79))
    assert caught.value.retry_after == 30 and bot.client.sender.invalid_requests == 1


async def test_invitations_are_paced_and_replies_are_not(bot: Bot, fake: FakeDiscord) -> None:
    sender = bot.client.sender
    sender.bulk_interval = 0.5
    for n in range(2):
        await sender.send(
            Outbound(f"inv{n}", Address("discord", "dm", f"200{n}"), "Join?", purpose="invitation")
        )
    await sender.send(Outbound("reply", Address("discord", "dm", "2009"), "Right away", purpose="reply"))
    posts = fake.requests_to("POST", r"/channels/\d+/messages")
    assert posts[1].at - posts[0].at >= 0.49
    assert posts[2].at - posts[1].at < 0.4  # the reply did not wait for the next invitation slot


async def test_opening_many_dms_follows_discords_rate_limit_headers(bot: Bot, fake: FakeDiscord) -> None:
    """Opening a DM is rate limited (the fake's bucket: 5 a second, with X-RateLimit-* headers and 429s):
    a burst of invitations to new members all arrive, none dropped, none sent twice."""
    sender = bot.client.sender
    sender.bulk_interval = 0.01
    for n in range(12):
        await sender.send(
            Outbound(f"burst{n}", Address("discord", "dm", f"300{n:02d}"), "Join?", purpose="invitation")
        )
    opened = fake.requests_to("POST", r"/users/@me/channels")
    assert len({r.body["recipient_id"] for r in opened}) == 12
    assert all(len(fake.bot_messages(f"300{n:02d}")) == 1 for n in range(12))
    assert opened[-1].at - opened[0].at >= 1.0, "12 DM opens at 5 a second span more than a second"


async def test_unexpected_send_error_is_permanent_not_stuck(bot: Bot) -> None:
    with pytest.raises(Permanent, match="unexpected error"):
        await bot.client.sender.send(Outbound("odd", Address("discord", "dm", "not-a-snowflake"), "hi"))
