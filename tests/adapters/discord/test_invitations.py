"""Invitations on Discord through the real discord.py client and the fake Discord: channel posts with
"Not now" and a live count, role cohorts (Server Members intent), and members' own time zones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from adapters.discord.send import MEMBERS_INTENT_OFF
from bot.interview.locales import ENGLISH
from bot.outreach.scheduler import Scheduler
from bot.storage.models import ChannelPost, InvitationRow, OutboxRow, Participant
from tests.support.discord_world import RESEARCHER, Bot, Member, buttons
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.helpers import write_study
from tests.support.interviews import state_of

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALWAYS = {"send_window": "00:00-00:00", "quiet_hours": "00:00-00:00"}
INVITATION = {
    "text": "A ten minute chat about tools?",
    "max_reminders": 1,
    "reminder_after": "1d",
    "expire_after": "1d",
}


@asynccontextmanager
async def discord_bot(database_url: str, tmp_path: Path, **schedule: str) -> AsyncIterator[Bot]:
    """The bot on the fake Discord, with the pilot study inviting every day in `schedule`'s window."""
    directory = tmp_path / "discord-studies"
    directory.mkdir()
    write_study(directory, invitation=INVITATION, schedule={"days": ALL_DAYS, **schedule})
    async with FakeDiscord() as fake, Bot(fake, database_url, directory) as bot:
        yield bot


async def command(bot: Bot, user: str, channel_id: str, subcommand: str, **options: str | bool) -> str:
    """`/interviewer <subcommand>` typed by `user` in a server channel; the ephemeral answer."""
    fake = bot.fake
    payload = fake.command_interaction(user, "interviewer", subcommand, channel_id=channel_id, **options)
    await fake.dispatch("INTERACTION_CREATE", payload)
    ack, text = await fake.answer(payload)
    assert ack == {"type": 5, "data": {"flags": 64}}  # deferred first; only the caller sees it
    return text


async def click_in_channel(bot: Bot, user: str, message_id: str, label: str) -> str:
    """Click a channel post's button; the ephemeral answer the clicker sees."""
    fake = bot.fake
    payload = await fake.click(user, message_id, label=label)
    await fake.wait_until(
        lambda: any(f["interaction"] == payload["id"] for f in fake.followups), what="answer"
    )
    ack = next(c["body"] for c in fake.callbacks if c["interaction"] == payload["id"])
    assert ack == {"type": 5, "data": {"flags": 64}}  # deferred, ephemeral
    await bot.runtime.engine.drain()
    return str(next(f["body"]["content"] for f in fake.followups if f["interaction"] == payload["id"]))


async def test_channel_post_has_not_now_and_a_count_that_updates_in_place(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with discord_bot(sqlite_url, tmp_path, **ALWAYS) as bot:
        fake, channel = bot.fake, bot.fake.guild_channel()
        reply = await command(
            bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=f"<#{channel['id']}>"
        )
        assert "Posted the invitation" in reply
        [post] = [m for m in fake.messages.values() if m["channel_id"] == channel["id"]]
        assert "0 people have taken part so far" in post["content"]
        assert [b["label"] for b in buttons(post)] == ["Take part", "Not now"]

        assert await click_in_channel(bot, "333", post["id"], "Not now") == ENGLISH.not_now_in_channel
        async with bot.runtime.store.session() as s:
            assert (await s.exec(select(Participant).where(Participant.user_id == "333"))).first() is None

        member = Member(bot, "444")
        await click_in_channel(bot, "444", post["id"], "Take part")
        await fake.wait_until(lambda: bool(member.inbox), what="the consent DM")
        await member.click("Yes, I agree")
        await Scheduler(bot.runtime.engine).run_once()
        assert "1 person has taken part so far" in fake.messages[post["id"]]["content"]
        assert [b["label"] for b in buttons(fake.messages[post["id"]])] == ["Take part", "Not now"]
        assert len([m for m in fake.messages.values() if m["channel_id"] == channel["id"]]) == 1  # edited


async def test_a_channel_the_bot_may_not_post_in_says_which_permissions_to_give(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Discord refuses Create Message without Send Messages (403, 50013): the organizer is told which
    permissions the bot needs in that channel (not Slack's "invite the bot"), and nothing is recorded."""
    async with discord_bot(sqlite_url, tmp_path, **ALWAYS) as bot:
        fake, channel = bot.fake, bot.fake.guild_channel()
        fake.no_send.add(channel["id"])
        reply = await command(
            bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=f"<#{channel['id']}>"
        )
        assert "50013" in reply and "View Channel and Send Messages" in reply, reply
        assert "Invite it" not in reply
        assert not [m for m in fake.messages.values() if m["channel_id"] == channel["id"]]
        fake.no_send.discard(channel["id"])
        again = await command(
            bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=f"<#{channel['id']}>"
        )
        assert "Posted the invitation" in again, "nothing was recorded by the refused post"


async def test_role_members_are_invited_in_their_own_time_zone(sqlite_url: str, tmp_path: Path) -> None:
    async with discord_bot(sqlite_url, tmp_path, send_window="09:00-17:00", quiet_hours="21:00-08:00") as bot:
        fake, channel = bot.fake, bot.fake.guild_channel()
        guild = channel["guild_id"]
        teachers = fake.add_role(guild, "Teachers")
        for user, roles in (("501", [teachers]), ("502", [teachers]), ("503", []), ("509", [teachers])):
            fake.add_member(guild, user, roles, bot=user == "509")

        wrong = await command(bot, "501", channel["id"], "timezone", zone="Tokyo")
        assert "'Tokyo' is not an IANA time zone" in wrong and "Europe/Berlin" in wrong
        assert "Asia/Tokyo" in await command(bot, "501", channel["id"], "timezone", zone="Asia/Tokyo")

        target = f"role:<@&{teachers}>"
        refused = await command(bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=target)
        assert MEMBERS_INTENT_OFF in refused.replace("\\", "")
        unknown = await command(
            bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to="role:<@&42>"
        )
        assert "has no role" in unknown
        fake.members_intent = True
        reply = await command(bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=target)
        assert reply.startswith("2 invitation(s) for `pilot-study` scheduled"), reply

        async with bot.runtime.store.session() as s:
            rows = (
                await s.exec(
                    select(
                        OutboxRow.user_id, OutboxRow.not_before, Participant.timezone, Participant.workspace
                    )
                    .join(Participant, col(Participant.user_id) == col(OutboxRow.user_id))
                    .where(OutboxRow.purpose == "invitation")
                )
            ).all()
        due = {user: (when, tz, ws) for user, when, tz, ws in rows}
        assert set(due) == {"501", "502"}  # no bots, no one without the role
        assert due["501"][1:] == ("Asia/Tokyo", "dm") and due["502"][1:] == (None, "dm")
        tokyo = due["501"][0].replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Tokyo"))
        assert 9 <= tokyo.hour < 17  # inside the window in the member's own zone
        assert 9 <= due["502"][0].hour < 17  # the study's zone (UTC) for a member who set none


async def test_a_large_role_asks_to_confirm_before_any_dm_is_scheduled(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with discord_bot(sqlite_url, tmp_path, **ALWAYS) as bot:
        fake, channel = bot.fake, bot.fake.guild_channel()
        guild = channel["guild_id"]
        everyone = fake.add_role(guild, "Everyone")
        for n in range(1250):  # more than one page of the members list (1,000 a page)
            fake.add_member(guild, 700_000 + n, [everyone])
        fake.members_intent = True
        target = f"role:<@&{everyone}>"
        asked = await command(bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=target)
        assert "1,250 members, more than 200" in asked and "confirm" in asked, asked
        async with bot.runtime.store.session() as s:
            assert not (await s.exec(select(OutboxRow))).all(), "nothing is scheduled before confirming"
        reply = await command(
            bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=target, confirm=True
        )
        assert reply.startswith("1250 invitation(s)"), reply
        assert not fake.late_responses, "the command answered within Discord's 3 seconds"


async def test_not_now_in_a_discord_dm_invitation_declines_it(sqlite_url: str, tmp_path: Path) -> None:
    async with discord_bot(sqlite_url, tmp_path, **ALWAYS) as bot:
        fake, channel = bot.fake, bot.fake.guild_channel()
        teachers = fake.add_role(channel["guild_id"], "Teachers")
        fake.add_member(channel["guild_id"], "601", [teachers])
        fake.members_intent = True
        await command(
            bot, RESEARCHER, channel["id"], "invite", study="pilot-study", to=f"role:<@&{teachers}>"
        )
        await Scheduler(bot.runtime.engine).run_once()
        member = Member(bot, "601")
        [invitation] = member.inbox
        assert [b["label"] for b in buttons(invitation)] == ["Take part", "Not now"]

        await member.click("Not now")
        assert member.last["content"] == ENGLISH.not_now_text
        answered = fake.messages[invitation["id"]]
        assert "**You answered:** Not now" in answered["content"]
        assert all(b["disabled"] for b in buttons(answered))
        assert await state_of(bot.runtime, "601") == ["declined"]
        async with bot.runtime.store.session() as s:
            assert (await s.exec(select(InvitationRow.status))).one() == "closed"
            assert (await s.exec(select(ChannelPost))).all() == []
