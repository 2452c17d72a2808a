"""Cohort requests kept while their profiles are read (bot.outreach.cohort_requests): which are resumed
and which lapse, and the claim that lets one run at a time work on a request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.web import SlackSender
from bot.messages import Address
from bot.outreach import cohort_run
from bot.outreach.cohort_requests import (
    LEASE,
    MAX_AGE,
    MAX_ATTEMPTS,
    Pending,
    claim_due,
    fate,
    finish,
    give_back,
    record,
    renew,
)
from bot.outreach.cohort_run import run_request
from bot.outreach.cohorts import Profile
from bot.outreach.profiles import ListPlace
from bot.storage.models import CohortRequest, InvitationRow, OutboxRow
from tests.support.fakes.slack_api import FakeSlack
from tests.support.outreach import STUDY, Clock, FakeSender, runtime_for, sched_study_dir

NOON = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)
ASKER = Address("slack", "T1", "UORGANIZER")
MEMBERS = ["U1", "U2", "U3"]


def pending(created_at: datetime, attempts: int = 1) -> Pending:
    return Pending(1, STUDY, ASKER, "members:<#C1|team>", MEMBERS, {}, created_at, attempts)


def test_a_request_is_resumed_for_a_day_after_the_command_then_it_lapses() -> None:
    assert fate(pending(NOON), NOON + timedelta(minutes=3)) == "resume"
    assert fate(pending(NOON), NOON + MAX_AGE) == "resume"
    assert fate(pending(NOON), NOON + MAX_AGE + timedelta(seconds=1)) == "lapsed"


def test_a_request_is_given_up_once_its_runs_kept_ending_unfinished() -> None:
    """The command's run and the resumed ones count: the run past MAX_ATTEMPTS only closes it. Past the
    day, it lapses whatever its attempts."""
    assert fate(pending(NOON, attempts=MAX_ATTEMPTS), NOON) == "resume"
    assert fate(pending(NOON, attempts=MAX_ATTEMPTS + 1), NOON) == "failed"
    assert fate(pending(NOON, attempts=MAX_ATTEMPTS + 1), NOON + 2 * MAX_AGE) == "lapsed"


async def test_a_request_held_by_a_live_run_is_claimed_only_once_its_lease_runs_out(
    tmp_path: Path, database_url: str
) -> None:
    """The command's run holds its request; renewing carries the profiles read so far, which the run
    that takes over after the lease ran out (a crash) starts from."""
    clock = Clock(NOON)
    async with runtime_for(database_url, sched_study_dir(tmp_path), clock, FakeSender()) as runtime:
        engine = runtime.engine
        request, claim = await record(engine, STUDY, ASKER, "members:<#C1|team>", MEMBERS)
        assert await claim_due(engine, {"slack"}) == []
        clock.advance(seconds=LEASE.total_seconds() / 2)
        assert await renew(
            engine, claim, {"U1": Profile("Asia/Tokyo"), "U2": Profile(None, person=False)}, ListPlace("c2")
        )
        clock.advance(seconds=LEASE.total_seconds() * 0.9)
        assert await claim_due(engine, {"slack"}) == [], "renewed: still held"
        assert await claim_due(engine, {"discord"}) == []
        clock.advance(seconds=LEASE.total_seconds())
        [(taken, _)] = await claim_due(engine, {"slack"})
        assert (taken.id, taken.asker, taken.member_ids, taken.attempts) == (request.id, ASKER, MEMBERS, 2)
        assert taken.profiles == {"U1": Profile("Asia/Tokyo"), "U2": Profile(None, person=False)}
        assert taken.list_cursor == "c2", "and where the member list was left"
        assert await claim_due(engine, {"slack"}) == [], "the new run holds it now"


async def test_of_two_processes_claiming_at_once_only_one_gets_a_request(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(NOON)
    studies = sched_study_dir(tmp_path)
    async with (
        runtime_for(database_url, studies, clock, FakeSender()) as first,
        runtime_for(database_url, studies, clock, FakeSender(), migrate=False) as second,
    ):
        for n in range(5):
            await record(first.engine, STUDY, ASKER, f"members:<#C{n}>", MEMBERS)
        clock.advance(seconds=LEASE.total_seconds() + 1)
        claims = await asyncio.gather(
            *(claim_due(e.engine, {"slack"}) for e in (first, second, first, second))
        )
        taken = sorted(request.id for claimed in claims for request, _ in claimed)
        assert taken == [1, 2, 3, 4, 5]


async def test_a_run_that_lost_its_claim_can_neither_renew_nor_finish_nor_report(
    tmp_path: Path, database_url: str
) -> None:
    """A run stalled past its lease, while another run took its request over: the stalled run's answer
    is not queued, so the organizer hears once, from the run that holds the claim."""
    clock = Clock(NOON)
    async with runtime_for(database_url, sched_study_dir(tmp_path), clock, FakeSender()) as runtime:
        engine = runtime.engine
        _, stalled = await record(engine, STUDY, ASKER, "members:<#C1|team>", MEMBERS)
        clock.advance(seconds=LEASE.total_seconds() + 1)
        [(_, current)] = await claim_due(engine, {"slack"})
        assert not await renew(engine, stalled, {}, ListPlace())
        assert not await finish(engine, stalled, "invited", notice=(ASKER, "from the stalled run"))
        assert await finish(engine, current, "invited", notice=(ASKER, "from the current run"))
        assert not await finish(engine, current, "invited", notice=(ASKER, "twice"))
        async with runtime.store.session() as s:
            notices = (await s.exec(select(OutboxRow.text).where(OutboxRow.purpose == "notice"))).all()
        assert notices == ["from the current run"]
        async with runtime.store.session() as s:
            kept = (await s.exec(select(CohortRequest.member_ids, CohortRequest.profiles))).one()
        assert tuple(kept) == ([], {}), "a finished request keeps neither the member list nor profiles"
        clock.advance(seconds=LEASE.total_seconds() + 1)
        assert await claim_due(engine, {"slack"}) == [], "finished: never claimed again"


async def test_a_stop_gives_the_request_back_at_once_and_its_run_is_not_counted(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(NOON)
    async with runtime_for(database_url, sched_study_dir(tmp_path), clock, FakeSender()) as runtime:
        engine = runtime.engine
        _, claim = await record(engine, STUDY, ASKER, "members:<#C1|team>", MEMBERS)
        await give_back(engine, claim, {"U3": Profile("Europe/Paris")}, ListPlace("c3"))
        [(taken, _)] = await claim_due(engine, {"slack"})  # no lease to wait for
        assert taken.attempts == 1 and taken.profiles == {"U3": Profile("Europe/Paris")}
        assert taken.list_cursor == "c3"


async def test_a_run_whose_request_was_taken_over_stops_its_lookups_and_answers_nothing(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's run is held up past its lease (a stalled process) and a tick of another process
    takes the request over: at its next renewal the first run stops looking up and writes nothing, so
    only the run that holds the claim invites and reports."""
    monkeypatch.setattr(cohort_run, "RENEW_EVERY", 0.2)
    members = [f"UM{n:02d}" for n in range(40)]
    clock = Clock(NOON)
    async with FakeSlack(latency=0.05) as fake:  # 40 lookups: about 2 seconds
        for user in members:
            fake.member(user)
        async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, FakeSender()) as runtime:
            engine, study = runtime.engine, runtime.catalog.get(STUDY)
            assert study is not None
            sender = SlackSender(AsyncWebClient(token=fake.token, base_url=fake.base_url))
            request, first = await record(engine, STUDY, ASKER, "members:<#C1|team>", members)
            running = asyncio.create_task(run_request(engine, sender, study, request, first))
            await fake.wait_for("users.info", 5, 10)
            clock.advance(seconds=LEASE.total_seconds() + 1)
            [(taken, _)] = await claim_due(engine, {"slack"})
            assert await asyncio.wait_for(running, 10) is None, "the first run does not answer"
            assert len(fake.calls_to("users.info")) < len(members), "its lookups stopped"
            assert taken.attempts == 2
            async with runtime.store.session() as s:
                assert (await s.exec(select(InvitationRow))).all() == []
