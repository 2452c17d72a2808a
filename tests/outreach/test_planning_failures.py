"""One invitation whose planning fails does not hold up the others: each is planned in a savepoint of its
own, its failure is logged by id and counted, and after three failures in a row it is set aside."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, delete, select, update

from bot.engine.outbox import queue
from bot.messages import Address
from bot.outreach.invitations import MAIN, invitation_key, invite
from bot.outreach.scheduler import Scheduler
from bot.outreach.set_aside import put_back, set_aside
from bot.runtime import Runtime
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant
from tests.support.outreach import STUDY, Clock, FakeSender, member, runtime_for, sched_study_dir

MONDAY = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)  # inside the study's 09:00-18:00 window (UTC)
LEFT_OVER = "a reminder left over from an earlier run"


async def _invitation(runtime: Runtime, user: str) -> InvitationRow:
    async with runtime.store.session() as s:
        found = await s.exec(
            select(InvitationRow)
            .join(Participant, col(Participant.id) == col(InvitationRow.participant_id))
            .where(Participant.user_id == user)
        )
        return found.one()


async def _leave_a_stale_reminder(runtime: Runtime, invitation: InvitationRow) -> None:
    """An outbox row holding the key the invitation's first reminder needs: queuing that reminder breaks
    the table's UNIQUE constraint, as a row restored from a backup or mended by hand might."""
    key = invitation_key(STUDY, MAIN, invitation.participant_id, "reminder", 1)
    async with runtime.store.session() as s:
        row = queue(s, key, Address("slack", "T1", "U2"), LEFT_OVER, purpose="reminder")
        row.status = "cancelled"


async def test_a_row_that_cannot_be_planned_leaves_the_others_planned_and_is_set_aside_after_three_tries(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(database_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None and study.invitation is not None
        members = [member("U1"), member("U2"), member("U3")]
        await invite(runtime.engine, study, members, source="roster", pace=timedelta(0))
        scheduler = Scheduler(runtime.engine)
        await scheduler.run_once()
        assert sorted(m.to.user_id for m in sender.sent) == ["U1", "U2", "U3"], "the invitations"
        broken = await _invitation(runtime, "U2")  # planned between U1's and U3's (by id)
        await _leave_a_stale_reminder(runtime, broken)

        clock.advance(days=2)
        with caplog.at_level(logging.DEBUG, logger="bot.outreach"):
            planned = await scheduler.run_once()
        assert (planned.reminders, planned.failed) == (2, 1)
        reminded = sorted(m.to.user_id for m in sender.sent if m.purpose == "reminder")
        assert reminded == ["U1", "U3"], "the rows after the failing one were planned and sent"
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [f"planning invitation {broken.id} failed (1 of 3 tries): IntegrityError"]
        assert LEFT_OVER not in caplog.text and study.invitation.text not in caplog.text
        again = await _invitation(runtime, "U2")
        assert (again.status, again.reminders_sent, again.plan_failures) == ("open", 0, 1), "rolled back"

        for _ in range(2):  # tried again at each tick, until the third failure sets it aside
            assert (await scheduler.run_once()).failed == 1
        aside = await _invitation(runtime, "U2")
        assert (aside.status, aside.plan_failures) == ("failed", 3)
        assert f"invitation {broken.id} set aside after 3 failed plans" in caplog.text
        assert (await scheduler.run_once()).failed == 0, "set aside: no longer tried, nor logged"
        [shown] = await set_aside(runtime.store)
        assert (shown.id, shown.who, shown.failures) == (broken.id, "slack:T1:U2", 3)

        async with runtime.store.session() as s:  # the cause mended, the invitation put back
            await s.exec(delete(OutboxRow).where(col(OutboxRow.text) == LEFT_OVER))
        assert await put_back(runtime.store, [broken.id or 0]) == 1
        planned = await scheduler.run_once()
        assert (planned.reminders, planned.failed) == (1, 0)
        assert [m.to.user_id for m in sender.sent if m.purpose == "reminder"][-1] == "U2"
        assert (await _invitation(runtime, "U2")).plan_failures == 0


async def test_an_expiry_that_fails_leaves_the_others_expired_and_is_tried_again(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """U1's stored progress is corrupt, so expiring their interview raises: U2's still expires, and U1's
    invitation stays open, its failure counted, for the next tick."""
    clock, sender = Clock(MONDAY), FakeSender()
    invitation = {
        "text": "A ten minute chat?",
        "max_reminders": 0,
        "reminder_after": "1d",
        "expire_after": "3d",
    }
    studies = sched_study_dir(tmp_path, invitation=invitation)
    async with runtime_for(sqlite_url, studies, clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1"), member("U2")], source="roster", pace=timedelta(0))
        scheduler = Scheduler(runtime.engine)
        await scheduler.run_once()
        broken = await _invitation(runtime, "U1")
        async with runtime.store.session() as s:
            await s.exec(
                update(Interview)
                .where(col(Interview.id) == broken.interview_id)
                .values(data={"topics": "corrupt"})
            )
        clock.advance(days=3)
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            planned = await scheduler.run_once()
        assert (planned.expired, planned.failed) == (1, 1)
        async with runtime.store.session() as s:
            states = dict((await s.exec(select(Interview.participant_id, Interview.state))).all())
        assert states[(await _invitation(runtime, "U2")).participant_id] == "expired"
        assert states[broken.participant_id] == "invited"
        again = await _invitation(runtime, "U1")
        assert (again.status, again.plan_failures) == ("open", 1), "to be tried again"
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [f"planning invitation {broken.id} failed (1 of 3 tries): AttributeError"]


async def test_a_member_whose_invitation_cannot_be_written_is_reported_failed_not_already_invited(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A conflict that left no invitation behind is not the race with another inviter (which is what
    "already invited" counts): the organizer is told, and the log names the member's id and the error."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(database_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        async with runtime.store.session() as s:
            known = Participant(platform="slack", workspace="T1", user_id="U2")
            s.add(known)
            await s.flush()
            key = invitation_key(STUDY, MAIN, known.id or 0, "invitation", 0)
            queue(s, key, Address("slack", "T1", "U2"), LEFT_OVER, purpose="invitation").status = "cancelled"
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            report = await invite(runtime.engine, study, [member("U1"), member("U2")], source="roster")
        assert (report.invited, report.already, report.failed) == (1, 0, 1)
        assert "skipped: 1 failed (the log names the error)" in report.text(STUDY)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [
            f"inviting participant {known.id} to wave main of study {STUDY} failed: IntegrityError"
        ]

        async with runtime.store.session() as s:
            await s.exec(delete(OutboxRow).where(col(OutboxRow.text) == LEFT_OVER))
        again = await invite(runtime.engine, study, [member("U1"), member("U2")], source="roster")
        assert (again.invited, again.already, again.failed) == (1, 1, 0)
