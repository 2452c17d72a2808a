"""`interviewer schedule show`'s table: what the scheduler will send, each send once, at its real time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot.outreach.invitations import invite
from bot.outreach.schedule_view import upcoming
from bot.outreach.scheduler import Scheduler
from bot.runtime import Runtime
from bot.storage.models import Interview, Participant
from tests.support.outreach import STUDY, Clock, FakeSender, member, runtime_for, sched_study_dir

MONDAY = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)


def _wave(wave_id: str, after: str) -> dict[str, Any]:
    return {"id": wave_id, "after": after, "topics": [{"id": "c", "goal": "C", "question": "What changed?"}]}


def _rows(table: str) -> list[list[str]]:
    """The table's rows as [date, time, what..., wave, code], without the two heading lines."""
    return [line.split() for line in table.splitlines()[2:]]


async def _complete_latest(runtime: Runtime, when: datetime) -> None:
    async with runtime.store.session() as s:
        latest = (await s.exec(select(Interview).order_by(col(Interview.id).desc()))).first()
        assert latest is not None
        latest.state, latest.completed_at = "completed", when
        s.add(latest)


async def test_the_next_reminder_of_each_open_invitation_is_listed_in_the_members_window(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Sent invitations are not the end of the plan: a member who stays quiet hears again `reminder_after`
    later, inside their own send window (Tokyo is 9 hours ahead: its window opens at 00:00 UTC)."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1"), member("U2", "Asia/Tokyo")], source="roster")
        scheduler = Scheduler(runtime.engine)
        await scheduler.run_once()
        clock.advance(hours=15)  # 10:00 on Tuesday in Tokyo
        await scheduler.run_once()
        assert len(sender.sent) == 2
        rows = _rows(await upcoming(runtime.engine, STUDY))
    assert [r[:4] for r in rows] == [
        ["2027-03-10", "10:00", "reminder", "(planned)"],
        ["2027-03-11", "00:00", "reminder", "(planned)"],  # 09:00 in Tokyo, two days after its invitation
    ]


async def test_a_member_who_completed_a_wave_is_listed_once_for_the_next_wave_counted_from_the_main_interview(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Waves count from the main interview, as the scheduler plans them: a completed follow-up is not a
    second start for the next wave."""
    schedule = {"timezone": "UTC", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    studies = sched_study_dir(
        tmp_path, schedule={**schedule, "waves": [_wave("w1", "30d"), _wave("w2", "90d")]}
    )
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, studies, clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1")], source="roster")
        scheduler = Scheduler(runtime.engine)
        await scheduler.run_once()
        await _complete_latest(runtime, clock.now)  # the main interview, on 8 March
        clock.advance(days=31)
        assert (await scheduler.run_once()).waves == 1
        await _complete_latest(runtime, clock.now)  # the first follow-up, on 8 April
        rows = _rows(await upcoming(runtime.engine, STUDY))
    assert rows == [[*rows[0][:2], "wave", "(planned)", "w2", rows[0][-1]]]
    assert rows[0][:2] == ["2027-06-06", "10:00"]  # 90 days after 8 March, not after 8 April


async def test_a_member_a_dm_has_since_failed_to_reach_is_not_listed_for_the_sends_that_will_not_go(
    tmp_path: Path, sqlite_url: str
) -> None:
    """A queued invitation to a member whom a DM has since failed to reach (another study's, say: the
    participant row is shared) is cancelled when it falls due (`bot.engine.outreach_gate`); the table
    lists what will be sent, so it leaves that invitation out, as it leaves out their planned reminders."""
    clock, sender = Clock(datetime(2027, 3, 8, 19, 0, tzinfo=UTC)), FakeSender()  # after the window
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1"), member("U2")], source="roster")
        async with runtime.store.session() as s:
            gone = (await s.exec(select(Participant).where(Participant.user_id == "U1"))).one()
            gone.unreachable = True  # as the dispatcher marks a member a DM could not reach
            s.add(gone)
        rows = _rows(await upcoming(runtime.engine, STUDY))
        clock.now = datetime(2027, 3, 9, 9, 5, tzinfo=UTC)  # both invitations due
        await Scheduler(runtime.engine).run_once()
    assert [r[2] for r in rows] == ["invitation", "reminder"], rows  # U2's, and U2's next reminder
    assert rows[0][-1] == rows[1][-1], rows
    assert [m.to.user_id for m in sender.sent] == ["U2"], "the table showed what was sent"
