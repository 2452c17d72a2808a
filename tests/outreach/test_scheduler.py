"""Several schedulers on one database send each invitation once, also after a crash mid-send."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.web import SlackSender
from bot.engine.outbox import LEASE, queue
from bot.messages import Address, Outbound
from bot.outreach.invitations import invite
from bot.outreach.scheduler import Scheduler
from bot.storage.models import OutboxRow
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.outreach import STUDY, Clock, FakeSender, member, runtime_for, sched_study_dir

NOON = datetime(2027, 3, 8, 12, 0, tzinfo=UTC)


class Killed(BaseException):
    """Stands for the process dying after the platform accepted the message (not an Exception: each
    outbox row's own failures are caught, a dying process is not)."""


class DyingSender(FakeSender):
    async def send(self, message: Outbound) -> str:
        await super().send(message)
        raise Killed


async def test_two_schedulers_send_500_due_invitations_exactly_once(
    tmp_path: Path, database_url: str
) -> None:
    clock, sent = Clock(NOON), []  # type: ignore[var-annotated]
    studies = sched_study_dir(tmp_path)
    async with (
        runtime_for(database_url, studies, clock, FakeSender(sent)) as first,
        runtime_for(database_url, studies, clock, FakeSender(sent), migrate=False) as second,
    ):
        study = first.catalog.get(STUDY)
        assert study is not None
        members = [member(f"U{n:04d}") for n in range(500)]
        report = await invite(first.engine, study, members, source="roster", pace=timedelta(0))
        assert report.invited == 500
        a, b = Scheduler(first.engine), Scheduler(second.engine)
        for _ in range(3):
            await asyncio.gather(a.run_once(), b.run_once(), a.run_once(), b.run_once())
        counts = Counter(m.key for m in sent)
        assert len(counts) == 500
        assert max(counts.values()) == 1
        async with first.store.session() as s:
            statuses = Counter((await s.exec(select(OutboxRow.status))).all())
        assert statuses == {"sent": 500}


async def test_a_kill_between_claim_and_send_produces_no_duplicate(tmp_path: Path, database_url: str) -> None:
    clock = Clock(NOON)
    dying, survivor = DyingSender(), FakeSender()
    studies = sched_study_dir(tmp_path)
    async with (
        runtime_for(database_url, studies, clock, dying) as crashed,
        runtime_for(database_url, studies, clock, survivor, migrate=False) as other,
    ):
        study = crashed.catalog.get(STUDY)
        assert study is not None
        await invite(crashed.engine, study, [member("U1"), member("U2")], source="roster", pace=timedelta(0))
        try:
            await crashed.engine.dispatcher.send_due()
        except Killed:
            pass  # the first row went out, then the process "died" holding both claims
        assert len(dying.sent) == 1
        await Scheduler(other.engine).run_once()
        assert survivor.sent == []  # still leased: nobody else touches the claimed rows
        clock.now += LEASE + timedelta(seconds=1)
        await Scheduler(other.engine).run_once()
        assert survivor.sent == []  # a missed invitation beats a double one
        async with other.store.session() as s:
            rows = (await s.exec(select(OutboxRow))).all()
        assert {r.status for r in rows} == {"failed"}
        assert all("interrupted" in (r.error or "") for r in rows)


async def test_apscheduler_runs_the_tick_on_its_interval(tmp_path: Path, sqlite_url: str) -> None:
    clock, sender = Clock(NOON), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = Scheduler(runtime.engine, interval=0.05)
        try:
            study = runtime.catalog.get(STUDY)
            assert study is not None
            await invite(runtime.engine, study, [member("U1")], source="roster")
            scheduler.start()
            assert scheduler.upcoming()[0][0] == "interviewer-tick"
            for _ in range(100):
                if sender.sent:
                    break
                await asyncio.sleep(0.02)
            assert [m.purpose for m in sender.sent] == ["invitation"]
        finally:
            scheduler.shutdown()


async def test_dispatcher_sends_to_participants_concurrently_each_in_order(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Through the real Slack client against a fake Slack answering after 50 ms: eight participants'
    replies overlap in time, while each participant's three messages arrive in the order queued."""
    async with FakeSlack(latency=0.05) as fake:
        client = AsyncWebClient(token=fake.token, base_url=fake.base_url)
        async with runtime_for(sqlite_url, sched_study_dir(tmp_path), Clock(NOON), FakeSender()) as runtime:
            runtime.engine.register_sender("slack", SlackSender(client))
            users = [f"U{n}" for n in range(8)]
            for user in users:
                fake.member(user)
            async with runtime.store.session() as s:
                for n in range(3):
                    for user in users:
                        queue(
                            s, f"r:{user}:{n}", Address("slack", "T1", user), f"message {n}", not_before=NOON
                        )
            assert await runtime.engine.dispatcher.send_due() == 24
    for user in users:
        assert [p["text"] for p in fake.posted if p["channel"] == dm_channel(user)] == [
            "message 0",
            "message 1",
            "message 2",
        ]
    # one after another, never more than one request would be waiting at the fake at a time
    assert fake.most_in_flight >= 4, fake.most_in_flight


class LeaseWatchingSender(FakeSender):
    """Counts, at every send, how many rows sit claimed ('sending'); rate-limits one participant once."""

    def __init__(self, runtime_store, limited: str | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.store, self.limited, self.most_claimed = runtime_store, limited, 0

    async def send(self, message: Outbound) -> str:
        from bot.errors import RateLimited

        async with self.store.session() as s:
            claimed = (await s.exec(select(OutboxRow).where(OutboxRow.status == "sending"))).all()
        self.most_claimed = max(self.most_claimed, len(claimed))
        if message.to.user_id == self.limited:
            self.limited = None
            raise RateLimited(60, "slow down")
        return await super().send(message)


async def test_a_backlog_is_claimed_in_chunks_and_a_held_participant_keeps_their_order(
    tmp_path: Path, sqlite_url: str
) -> None:
    """A long backlog never sits claimed past the lease while earlier rows go out; when one participant's
    message is put back (rate limited), their later message is not sent ahead of it in a later chunk."""
    from bot.engine.dispatcher import CLAIM_CHUNK

    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), Clock(NOON), FakeSender()) as runtime:
        sender = LeaseWatchingSender(runtime.store, limited="U0")
        runtime.engine.register_sender("slack", sender)
        users = [f"U{n}" for n in range(2 * CLAIM_CHUNK)]
        async with runtime.store.session() as s:
            for n in range(2):
                for user in users:
                    queue(s, f"r:{user}:{n}", Address("slack", "T1", user), f"message {n}", not_before=NOON)
        assert await runtime.engine.dispatcher.send_due() == 4 * CLAIM_CHUNK - 2
        # one chunk's outcomes being stored, one sending, the next one claimed: never the whole backlog
        assert sender.most_claimed <= 3 * CLAIM_CHUNK  # of the 4 * CLAIM_CHUNK rows in the backlog
        assert sender.to("U0") == [] and [m.text for m in sender.to("U1")] == ["message 0", "message 1"]
        async with runtime.store.session() as s:
            held = (await s.exec(select(OutboxRow).where(OutboxRow.user_id == "U0"))).all()
        assert sorted((r.text, r.status) for r in held) == [
            ("message 0", "pending"),
            ("message 1", "pending"),
        ]


class DownSender(FakeSender):
    """A platform that cannot be reached: every send is a transient failure."""

    async def send(self, message: Outbound) -> str:
        from bot.errors import Transient

        raise Transient("Slack unreachable: connection refused")


async def test_an_outage_of_hours_delays_messages_and_drops_none(
    tmp_path: Path, sqlite_url: str, caplog
) -> None:
    """Tried again with a growing wait capped at ten minutes, for about a day; logged once a minute."""
    import logging

    from sqlalchemy import update

    from bot.engine.dispatcher import MAX_TRANSIENT_ATTEMPTS

    clock = Clock(NOON)
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, FakeSender()) as runtime:
        runtime.engine.register_sender("slack", DownSender())
        async with runtime.store.session() as s:
            queue(s, "r:U1", Address("slack", "T1", "U1"), "hello", not_before=NOON)
        with caplog.at_level(logging.WARNING, logger="bot.engine.dispatcher"):
            for _ in range(20):  # three hours and more: once, the ninth failure dropped the message
                await runtime.engine.dispatcher.send_due()
                clock.advance(minutes=11)
        async with runtime.store.session() as s:
            row = (await s.exec(select(OutboxRow))).one()
        assert (row.status, row.attempts) == ("pending", 20), (row.status, row.attempts, row.error)
        warned = [r for r in caplog.records if "could not be reached" in r.getMessage()]
        assert 1 <= len(warned) <= 20 and "hello" not in caplog.text
        async with runtime.store.session() as s:  # a day of tries later
            await s.exec(update(OutboxRow).values(attempts=MAX_TRANSIENT_ATTEMPTS))  # type: ignore[call-overload]
            await s.commit()
        await runtime.engine.dispatcher.send_due()
        async with runtime.store.session() as s:
            assert (await s.exec(select(OutboxRow))).one().status == "failed"
