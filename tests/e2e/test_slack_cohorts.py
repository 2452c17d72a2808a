"""An organizer inviting a channel's members (`/interviewer invite <study> members:#channel`) through
`interviewer run --slack --http`: who gets a DM invitation and who must not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.test_slack import slack_service
from tests.e2e.test_slack_stopping import ALWAYS
from tests.support.fakes.slack_api import dm_channel
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
