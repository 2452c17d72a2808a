"""A follow-up wave whose planning fails is treated like an invitation that does: its failures are
logged with the study and wave ids and counted, after three in a row it is set aside (nobody is invited
to it, nothing more is logged), and once put back everyone who came due meanwhile is invited."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, delete, select

from bot.engine.outbox import queue
from bot.messages import Address
from bot.outreach.invitations import invitation_key, invite
from bot.outreach.scheduler import Scheduler
from bot.outreach.set_aside import put_back_waves, waves_set_aside
from bot.runtime import Runtime
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant, WavePlanRow
from bot.studies.planning.approval import approve
from tests.support.helpers import settings_for, start_runtime
from tests.support.outreach import (
    STUDY,
    WAVE,
    Clock,
    FakeSender,
    member,
    runtime_for,
    wave_study_dir,
)

MONDAY = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
LEFT_OVER = "a wave invitation left over from an earlier run"
INTRO = "Three months on"  # the wave's invitation text starts so


async def _complete(runtime: Runtime, clock: Clock, *users: str) -> None:
    """Invite `users` to the study and mark their interviews completed now."""
    study = runtime.catalog.get(STUDY)
    assert study is not None
    await invite(runtime.engine, study, [member(u) for u in users], source="roster", pace=timedelta(0))
    async with runtime.store.session() as s:
        found = await s.exec(
            select(Interview)
            .join(Participant, col(Participant.id) == col(Interview.participant_id))
            .where(col(Participant.user_id).in_(users))
        )
        for interview in found.all():
            interview.state, interview.completed_at = "completed", clock.now
            s.add(interview)


async def _participant_id(runtime: Runtime, user: str) -> int:
    async with runtime.store.session() as s:
        found = await s.exec(select(Participant.id).where(Participant.user_id == user))
        return found.one() or 0


async def _leave_a_stale_wave_invitation(runtime: Runtime, user: str) -> None:
    """An outbox row holding the key of `user`'s invitation to the wave: writing that invitation breaks
    the table's UNIQUE constraint, as a row restored from a backup or mended by hand might."""
    key = invitation_key(STUDY, WAVE, await _participant_id(runtime, user), "invitation", 0)
    async with runtime.store.session() as s:
        row = queue(s, key, Address("slack", "T1", user), LEFT_OVER, purpose="invitation")
        row.status = "cancelled"


async def _mend(runtime: Runtime) -> None:
    async with runtime.store.session() as s:
        await s.exec(delete(OutboxRow).where(col(OutboxRow.text) == LEFT_OVER))


async def _wave_rows(runtime: Runtime) -> list[WavePlanRow]:
    async with runtime.store.session() as s:
        return list((await s.exec(select(WavePlanRow))).all())


async def _invited_to_wave(runtime: Runtime) -> list[str]:
    async with runtime.store.session() as s:
        found = await s.exec(
            select(Participant.user_id)
            .join(InvitationRow, col(InvitationRow.participant_id) == col(Participant.id))
            .where(InvitationRow.wave == WAVE)
            .order_by(col(Participant.user_id))
        )
        return list(found.all())


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_wave_that_cannot_be_planned_is_set_aside_after_three_tries_and_planned_once_put_back(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(database_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        await _complete(runtime, clock, "U1", "U2")
        await _leave_a_stale_wave_invitation(runtime, "U2")
        broken = await _participant_id(runtime, "U2")
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=91)

        with caplog.at_level(logging.DEBUG, logger="bot.outreach"):
            planned = await scheduler.run_once()
        assert (planned.waves, planned.failed) == (1, 1)
        assert await _invited_to_wave(runtime) == ["U1"], "the member who could be invited was"
        assert _errors(caplog) == [
            f"inviting participant {broken} to wave {WAVE} of study {STUDY} failed: IntegrityError",
            f"planning wave {WAVE} of study {STUDY} failed (1 of 3 tries): NotAllInvited",
        ]
        assert LEFT_OVER not in caplog.text and INTRO not in caplog.text, "no message text in the log"
        [row] = await _wave_rows(runtime)
        assert (row.study_id, row.wave, row.status, row.plan_failures) == (STUDY, WAVE, "open", 1)

        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            for _ in range(2):  # tried again at each tick, until the third failure sets it aside
                assert (await scheduler.run_once()).failed == 1
        assert f"wave {WAVE} of study {STUDY} set aside after 3 failed plans" in caplog.text
        [row] = await _wave_rows(runtime)
        assert (row.status, row.plan_failures) == ("failed", 3)

        await _complete(runtime, clock, "U3")
        clock.advance(days=91)
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            planned = await scheduler.run_once()
        assert (planned.waves, planned.failed) == (0, 0), "set aside: no longer planned"
        assert _errors(caplog) == [], "nor logged"
        assert await _invited_to_wave(runtime) == ["U1"]
        [shown] = await waves_set_aside(runtime.store)
        assert (shown.id, shown.study_id, shown.wave, shown.failures) == (row.id, STUDY, WAVE, 3)
        assert shown.line().startswith(f"wave:{row.id} study {STUDY} wave {WAVE}: planning failed 3 times")

        await _mend(runtime)
        assert await put_back_waves(runtime.store, [row.id or 0]) == 1
        assert await put_back_waves(runtime.store, [row.id or 0]) == 0, "only a set-aside wave"
        planned = await scheduler.run_once()
        assert (planned.waves, planned.failed) == (2, 0), "everyone who came due meanwhile"
        assert await _invited_to_wave(runtime) == ["U1", "U2", "U3"]
        clock.advance(minutes=1)  # the two are paced a moment apart
        await scheduler.run_once()
        assert [m.to.user_id for m in sender.sent if m.text.startswith(INTRO)] == ["U1", "U2", "U3"]
        [row] = await _wave_rows(runtime)
        assert (row.status, row.plan_failures) == ("open", 0)


async def test_a_wave_planned_after_failing_starts_its_count_again(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two failures, then a plan that succeeds: the next failure is the first of three again."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        await _complete(runtime, clock, "U1", "U2")
        await _leave_a_stale_wave_invitation(runtime, "U1")
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=91)
        for _ in range(2):
            assert (await scheduler.run_once()).failed == 1
        assert [r.plan_failures for r in await _wave_rows(runtime)] == [2]

        await _mend(runtime)
        assert (await scheduler.run_once()).waves == 1
        assert [(r.status, r.plan_failures) for r in await _wave_rows(runtime)] == [("open", 0)]

        await _complete(runtime, clock, "U3")
        await _leave_a_stale_wave_invitation(runtime, "U3")
        clock.advance(days=91)
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            assert (await scheduler.run_once()).failed == 1
        assert f"planning wave {WAVE} of study {STUDY} failed (1 of 3 tries)" in caplog.text
        assert [(r.status, r.plan_failures) for r in await _wave_rows(runtime)] == [("open", 1)]


async def test_a_wave_of_a_plan_awaiting_approval_waits_without_counting_as_a_failure(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With REQUIRE_APPROVAL on, a study whose current plan is not approved sends no invitations: its
    waves wait for the approval, and are not set aside for it."""
    clock, sender = Clock(MONDAY), FakeSender()
    studies = wave_study_dir(tmp_path)
    settings = settings_for(sqlite_url, studies, default_study=STUDY, require_approval=True)
    paths = [studies / f"{STUDY}.yaml"]
    async with start_runtime(settings, study_paths=paths, clock=clock) as runtime:
        runtime.engine.register_sender("slack", sender)
        async with runtime.store.session() as s:  # a member who completed the interview, as if imported
            person = Participant(platform="slack", workspace="T1", user_id="U1")
            s.add(person)
            await s.flush()
            current = runtime.catalog.current(STUDY)
            s.add(
                Interview(
                    participant_id=person.id or 0,
                    study_id=STUDY,
                    study_version=current.version,
                    plan_hash=current.plan_hash,
                    participant_code="P-1",
                    state="completed",
                    completed_at=clock.now,
                )
            )
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=91)
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            for _ in range(4):
                planned = await scheduler.run_once()
                assert (planned.waves, planned.failed) == (0, 0)
        assert _errors(caplog) == [] and await _wave_rows(runtime) == []

        await approve(runtime.store, paths[0], by="tester")
        assert (await scheduler.run_once()).waves == 1
        assert await _invited_to_wave(runtime) == ["U1"]
