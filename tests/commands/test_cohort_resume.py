"""Resuming cohort invitations a stop or crash interrupted (bot.commands.cohort_resume), through the real
Slack client and a fake Slack: what the organizer is told, and that it is told once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.web import SlackSender
from bot.commands.cohort_resume import described, resume_cohort_requests
from bot.messages import Address
from bot.outreach.cohort_requests import LEASE, MAX_AGE, MAX_ATTEMPTS, Pending, claim_due, finish, record
from bot.runtime import Runtime
from bot.storage.models import CohortRequest, InvitationRow
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.outreach import STUDY, Clock, FakeSender, runtime_for, sched_study_dir

NOON = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)
ORGANIZER = Address("slack", "T0FAKE", "UORGANIZER")
TARGET = "members:<#CTEAM|team>"
PEOPLE = ["UP1", "UP2", "UP3"]


@dataclass
class Bot:
    runtime: Runtime
    fake: FakeSlack
    clock: Clock

    def told(self) -> list[str]:
        """What the organizer got by DM."""
        return [str(p["text"]) for p in self.fake.posted if p["channel"] == dm_channel(ORGANIZER.user_id)]

    async def tick(self) -> int:
        return await resume_cohort_requests(self.runtime.engine)

    def past_lease(self) -> None:
        self.clock.advance(seconds=LEASE.total_seconds() + 1)


@asynccontextmanager
async def slack_bot(tmp_path: Path, database_url: str) -> AsyncIterator[Bot]:
    """A runtime on a hand-moved clock whose Slack sender talks to a fake Slack with a #team channel."""
    async with FakeSlack() as fake:
        fake.add_user("UBOT2", is_bot=True)
        fake.add_channel("CTEAM", "team", [*PEOPLE, "UBOT2"])
        for person in ("UORGANIZER", "USTRANGER"):  # people of the workspace, who ran the command
            fake.member(person)
        clock = Clock(NOON)
        async with runtime_for(database_url, sched_study_dir(tmp_path), clock, FakeSender()) as runtime:
            client = AsyncWebClient(token=fake.token, base_url=fake.base_url)
            runtime.engine.register_sender("slack", SlackSender(client))
            yield Bot(runtime, fake, clock)


async def outcomes(runtime: Runtime) -> list[str | None]:
    async with runtime.store.session() as s:
        return list((await s.exec(select(CohortRequest.outcome))).all())


async def test_a_request_a_crash_left_is_resumed_once_its_lease_ran_out_and_reported_once(
    tmp_path: Path, database_url: str
) -> None:
    """The process that ran the command died during the lookups. Until its lease runs out nobody
    touches the request; then a tick resumes it, every person of the channel is invited, and the
    organizer gets the report by DM, once, though ticks go on."""
    async with slack_bot(tmp_path, database_url) as bot:
        engine = bot.runtime.engine
        _, crashed = await record(engine, STUDY, ORGANIZER, TARGET, [*PEOPLE, "UBOT2"])
        assert await bot.tick() == 0, "its run may still be alive"
        bot.past_lease()
        assert await bot.tick() == 1
        await bot.fake.wait_until(lambda: bool(bot.told()), 15)
        assert bot.told() == [
            f"Your invitation of the members of #team to `{STUDY}` was interrupted when the bot restarted, and "
            f"is now finished: 3 invitation(s) for `{STUDY}` scheduled; sending from 2027-03-08 12:02 UTC to "
            "2027-03-08 12:02 UTC."
        ]
        async with bot.runtime.store.session() as s:
            assert len((await s.exec(select(InvitationRow))).all()) == 3
        assert not await finish(engine, crashed, "invited"), "the dead run could not report as well"
        bot.past_lease()
        assert await bot.tick() == 0
        assert len(bot.told()) == 1
        assert await outcomes(bot.runtime) == ["invited"]


async def test_a_request_older_than_a_day_is_closed_and_its_organizer_told_once(
    tmp_path: Path, database_url: str
) -> None:
    async with slack_bot(tmp_path, database_url) as bot:
        await record(bot.runtime.engine, STUDY, ORGANIZER, TARGET, PEOPLE)
        bot.clock.advance(seconds=MAX_AGE.total_seconds() + 60)
        assert await bot.tick() == 1
        await bot.fake.wait_until(lambda: bool(bot.told()), 15)
        assert bot.told() == [
            f"Your invitation of the members of #team to `{STUDY}` was interrupted when the bot stopped, and "
            "the bot was not back within 24 hours, so it was dropped. To invite them now, run the same "
            "command again (nobody is invited twice)."
        ]
        assert bot.fake.calls_to("users.info") == [], "nothing looked up"
        assert await bot.tick() == 0
        assert len(bot.told()) == 1
        assert await outcomes(bot.runtime) == ["lapsed"]


async def test_a_request_whose_runs_kept_dying_is_given_up_and_its_organizer_told(
    tmp_path: Path, database_url: str
) -> None:
    """The command's run and two resumed ones died (a request that brings the process down, say): the
    next claim closes it instead of trying a fourth time."""
    async with slack_bot(tmp_path, database_url) as bot:
        engine = bot.runtime.engine
        await record(engine, STUDY, ORGANIZER, TARGET, PEOPLE)
        for _ in range(MAX_ATTEMPTS - 1):
            bot.past_lease()
            assert len(await claim_due(engine, {"slack"})) == 1  # claimed, then the process died
        bot.past_lease()
        assert await bot.tick() == 1
        await bot.fake.wait_until(lambda: bool(bot.told()), 15)
        assert bot.told() == [
            f"Your invitation of the members of #team to `{STUDY}` could not be finished: it was interrupted "
            f"{MAX_ATTEMPTS} times (the bot's log names the errors), so it was dropped. To try again, run "
            "the same command again (nobody is invited twice)."
        ]
        assert await outcomes(bot.runtime) == ["failed"]


async def test_a_request_of_an_asker_no_longer_in_the_study_is_not_resumed(
    tmp_path: Path, database_url: str
) -> None:
    async with slack_bot(tmp_path, database_url) as bot:
        stranger = Address("slack", "T0FAKE", "USTRANGER")
        await record(bot.runtime.engine, STUDY, stranger, TARGET, PEOPLE)
        bot.past_lease()
        assert await bot.tick() == 1
        await bot.fake.wait_until(
            lambda: any(p["channel"] == dm_channel("USTRANGER") for p in bot.fake.posted), 15
        )
        [told] = [str(p["text"]) for p in bot.fake.posted if p["channel"] == dm_channel("USTRANGER")]
        assert told.startswith(
            f"Your invitation of the members of #team to `{STUDY}` was interrupted when the bot restarted, "
            "and cannot go on: Sorry, only the researchers and organizers named in a study"
        ), told
        assert bot.fake.calls_to("users.info") == []
        assert await outcomes(bot.runtime) == ["refused"]


def test_the_organizer_is_told_which_invitation_in_plain_words() -> None:
    """The target as typed, without Slack's or Discord's markup, which a DM would show as it is."""

    def told(target: str) -> str:
        return described(Pending(1, STUDY, ORGANIZER, target, [], {}, NOON, 1))

    assert told("members:<#CTEAM|team>") == f"Your invitation of the members of #team to `{STUDY}`"
    assert told("members:<#CTEAM>") == f"Your invitation of the members of #CTEAM to `{STUDY}`"
    assert told("role:<@&4242>") == f"Your invitation of the members of role 4242 to `{STUDY}`"
