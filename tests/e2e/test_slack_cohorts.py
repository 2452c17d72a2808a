"""An organizer inviting a channel's members (`/interviewer invite <study> members:#channel`) through
`interviewer run --slack --http`: who gets a DM invitation and who must not."""

from __future__ import annotations

import asyncio
import math
import sqlite3
from pathlib import Path

from tests.e2e.test_slack import slack_service
from tests.e2e.test_slack_stopping import ALWAYS
from tests.support.fakes.slack_api import BOT_USER, dm_channel
from tests.support.fakes.slack_service import consent_and_screen
from tests.support.slack_signing import FORM

INVITATION = "You are invited to take part"


async def test_members_who_already_took_part_or_withdrew_are_not_invited_again(tmp_path: Path) -> None:
    """Someone who joined the study by DM (or from a channel post), or withdrew from it, gets no DM
    invitation to it when the organizer later invites the whole channel; the others do, once."""
    async with slack_service(tmp_path, ALWAYS) as service:
        fake = service.fake
        fake.add_channel("CTEAM", "team", ["UTAKING", "UGONE", "UNEW"])
        await consent_and_screen(service.person("UTAKING"))
        gone = service.person("UGONE")
        await gone.say("hi")
        await gone.say("withdraw")
        await gone.click("Yes, delete my data")
        assert "has been deleted" in gone.last["text"], gone.last

        organizer = service.person("UORGANIZER")
        answer = await organizer.command("invite pilot-study members:#team", "invite", typed=True)
        assert answer.startswith("1 invitation(s)"), answer
        assert "2 already in the study" in answer, answer

        def invitations(user: str) -> int:
            return sum(
                1
                for p in fake.posted
                if p["channel"] == dm_channel(user) and INVITATION in str(p.get("text"))
            )

        await fake.wait_until(lambda: invitations("UNEW") == 1, 30)
        await asyncio.sleep(2)  # a few ticks: time enough for a wrong invitation to go out
        assert (invitations("UTAKING"), invitations("UGONE")) == (0, 0)


async def test_an_invitation_to_an_archived_or_unknown_channel_says_what_to_do(tmp_path: Path) -> None:
    """chat.postMessage answers `is_archived` for an archived channel and `channel_not_found` for an id
    the workspace does not have (https://docs.slack.dev/reference/methods/chat.postMessage): the organizer
    is told which, and how to go on, and nothing is posted or recorded."""
    async with slack_service(tmp_path, ALWAYS) as service:
        fake = service.fake
        fake.add_channel("COLD", "old-team", ["UBOT", "UA"], archived=True)
        organizer = service.person("UORGANIZER")
        archived = await organizer.command("invite pilot-study <#COLD|old-team>", "archived")
        assert "archived" in archived and "unarchive" in archived, archived
        assert "Invite it" not in archived, "inviting the bot into an archived channel cannot help"
        unknown = await organizer.command("invite pilot-study <#CNOSUCH|gone>", "unknown")
        assert "channel_not_found" in unknown and "<#CNOSUCH>" in unknown, unknown
        assert not [p for p in fake.posted if p["channel"] in ("COLD", "CNOSUCH")]
        again = await organizer.command("invite pilot-study <#COLD|old-team>", "again")
        assert "archived" in again and "already posted" not in again, again


async def test_a_long_cohort_lookup_is_announced_and_its_answer_comes_by_dm_once_slack_stops_taking_it(
    tmp_path: Path,
) -> None:
    """users.info is Tier 4, 100+ calls a minute (https://docs.slack.dev/reference/methods/users.info), one
    per member, and a response_url takes answers for 30 minutes, 5 times
    (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses). A channel of
    thousands outlasts it: the organizer is told first how long the lookups take, and the answer that
    Slack no longer takes through the response_url comes as a DM instead of being lost."""
    members = [f"UM{n:03d}" for n in range(150)]
    async with slack_service(tmp_path, ALWAYS) as service:
        fake = service.fake
        fake.add_channel("CBIG", "everyone", ["UBOT", *members])
        organizer = service.person("UORGANIZER")
        heads_up = await organizer.command("invite pilot-study members:#everyone", "big", typed=True)
        assert "Looking up the profiles of 151 members" in heads_up and "2 minutes" in heads_up, heads_up
        await fake.wait_until(lambda: len(fake.responses["big"]) == 2, 30)
        assert fake.responses["big"][1]["text"].startswith("150 invitation(s)"), fake.responses["big"]

        # the same with the response_url expired by the time the answer is ready
        fake.add_channel("CLATE", "latecomers", ["UBOT", "UL1", "UL2"])
        url = fake.response_url("late")
        body = organizer.poster.command_body(
            "UORGANIZER", "invite pilot-study members:<#CLATE|latecomers>", url
        )
        real_clock = fake.clock
        fake.clock = lambda: real_clock() + 31 * 60
        assert await organizer.deliver(body, FORM) == 200

        def answered_by_dm() -> list[str]:
            return [str(p.get("text")) for p in fake.posted if p["channel"] == dm_channel("UORGANIZER")]

        await fake.wait_until(lambda: any("2 invitation(s)" in t for t in answered_by_dm()), 30)
        assert not fake.responses.get("late"), "Slack refused the late answer: it went by DM only"
        assert len(answered_by_dm()) == 1


def invited_members(tmp_path: Path) -> dict[str, str | None]:
    """user id -> stored time zone of everyone the bot invited to the study as a channel's member."""
    with sqlite3.connect(f"file:{tmp_path / 'bot.db'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT p.user_id, p.timezone FROM invitations i JOIN participants p ON p.id = i.participant_id "
            "WHERE i.study_id = 'pilot-study' AND i.source = 'members'"
        ).fetchall()
        queued = {u for (u,) in db.execute("SELECT user_id FROM outbox WHERE purpose = 'invitation'")}
    assert queued == {user for user, _ in rows}, "an invitation row without its DM, or a DM without one"
    return dict(rows)


async def test_a_large_channel_is_read_from_the_member_list_and_exactly_its_people_are_invited(
    tmp_path: Path,
) -> None:
    """A channel of 500 in a workspace of 5,000: the profiles come from users.list, 200 a page
    (https://docs.slack.dev/reference/methods/users.list, Tier 2: 20 calls a minute, scaled down here to
    6 s so the 21st page draws a 429 with Retry-After), not from 500 users.info calls. Invited: exactly the
    channel's people, in their own time zones; not its bots, deactivated accounts or the bot itself, not
    the person already in the study, and nobody of the 4,500 outside the channel."""
    people = [f"UP{n:04d}" for n in range(484)]
    bots, gone = [f"UB{n}" for n in range(8)], [f"UD{n}" for n in range(6)]
    channel = [*people, *bots, *gone, "UTAKING", BOT_USER]
    outside = [f"UO{n:04d}" for n in range(4500)]
    async with slack_service(tmp_path, ALWAYS) as service:
        fake = service.fake
        fake.limit_per_minute("users.list", 20, window=6)
        for n, user in enumerate(outside):  # one channel member among every ten people listed
            if n % 9 == 0 and channel[n // 9] != BOT_USER:
                member = channel[n // 9]
                zone = "Asia/Tokyo" if member.endswith(("1", "3")) else "America/Chicago"
                fake.add_user(member, is_bot=member in bots, deleted=member in gone, tz=zone)
            fake.add_user(user)
        fake.add_channel("CBIG", "everyone", channel)
        await consent_and_screen(service.person("UTAKING"))

        organizer = service.person("UORGANIZER")
        asked = await organizer.command("invite pilot-study members:#everyone", "ask", typed=True)
        assert "500 members, more than 200" in asked, asked
        heads_up = await organizer.command("invite pilot-study members:#everyone confirm", "go", typed=True)
        assert "500 members in the workspace's member list" in heads_up, heads_up
        assert "a minute for every 4,000 people in the workspace" in heads_up, heads_up
        await fake.wait_until(lambda: len(fake.responses["go"]) == 2, 60)
        answer = fake.responses["go"][1]["text"]
        assert answer.startswith("484 invitation(s)") and "1 already in the study" in answer, answer
        assert "could not be looked up" not in answer, answer

        invited = invited_members(tmp_path)
        assert set(invited) == set(people)
        assert invited["UP0001"] == "Asia/Tokyo" and invited["UP0000"] == "America/Chicago"
        pages = fake.calls_to("users.list")
        listed = list(fake.workspace().users)  # users.list's order
        last = max(listed.index(user) for user in channel)
        answered = [c for c in pages if c.status == 200]
        assert len(answered) == last // 200 + 1 < math.ceil(len(listed) / 200), "up to the last member's page"
        assert 429 in {c.status for c in pages}, "the 21st page within the window was refused"
        assert all(int(c.args["limit"]) <= 200 for c in pages)
        assert fake.calls_to("users.info") == []

        def invitations() -> set[str]:
            return {p["channel"] for p in fake.posted if INVITATION in str(p.get("text"))}

        await fake.wait_until(lambda: len(invitations()) >= 3, 30)
        assert invitations() <= {dm_channel(user) for user in people}


async def test_an_app_without_users_read_is_told_to_add_the_scope_not_to_run_the_command_again(
    tmp_path: Path,
) -> None:
    """users.info and users.list need `users:read`; without it Slack answers `missing_scope` with
    `needed` (https://docs.slack.dev/reference/methods/users.info, .../users.list). Running the command
    again cannot help: the organizer is told which scope to add, and nobody is invited."""
    async with slack_service(tmp_path, ALWAYS) as service:
        fake = service.fake
        fake.workspace().scopes = fake.workspace().scopes - {"users:read"}  # an app from an older manifest
        fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL"])
        organizer = service.person("UORGANIZER")
        answer = await organizer.command("invite pilot-study members:#team", "invite", typed=True)
        assert "users:read" in answer and "reinstall" in answer, answer
        assert "run the same command again" not in answer, answer
        assert len(fake.calls_to("users.info")) == 1, "one refusal is enough to know"
        await asyncio.sleep(2)
        assert not [p for p in fake.posted if INVITATION in str(p.get("text"))]
