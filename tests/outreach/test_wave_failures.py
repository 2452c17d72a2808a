"""One member of a follow-up wave whose invitation cannot be written is set aside on their own: logged
once, listed, and the wave goes on for everyone else, tick after tick; put back, they are invited at the
next tick. A wave whose planning itself fails is treated like an invitation that does: its failures are
logged with the study and wave ids and counted, after three in a row it is set aside (nobody is invited
to it, nothing more is logged), and once put back everyone who came due meanwhile is invited."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.messages import Address
from bot.outreach.funnel import funnel_lines
from bot.outreach.invitations import invitation_prefix, invite
from bot.outreach.schedule_view import upcoming
from bot.outreach.scheduler import Scheduler
from bot.outreach.set_aside import members_set_aside, put_back, put_back_waves, waves_set_aside
from bot.records.erasure import withdraw
from bot.runtime import Runtime
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant, WavePlanRow
from bot.studies.planning.approval import approve
from tests.support.helpers import settings_for, start_runtime
from tests.support.outreach import (
    LEFT_OVER,
    STUDY,
    WAVE,
    Clock,
    FakeSender,
    leave_a_stale_wave_invitation,
    leave_an_unreadable_member,
    member,
    mend_unreadable_members,
    participant_id,
    remove_stale_wave_invitations,
    runtime_for,
    wave_study_dir,
)

MONDAY = datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
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


async def _wave_rows(runtime: Runtime) -> list[WavePlanRow]:
    async with runtime.store.session() as s:
        return list((await s.exec(select(WavePlanRow))).all())


async def _in_wave(runtime: Runtime, status: str | None = None) -> list[str]:
    """Who holds a row of the wave: an invitation (with its interview), or one of `status`."""
    async with runtime.store.session() as s:
        found = await s.exec(
            select(Participant.user_id)
            .join(InvitationRow, col(InvitationRow.participant_id) == col(Participant.id))
            .where(
                InvitationRow.wave == WAVE,
                col(InvitationRow.interview_id).is_not(None)
                if status is None
                else col(InvitationRow.status) == status,
            )
            .order_by(col(Participant.user_id))
        )
        return list(found.all())


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _set_aside_line(user_id: int) -> str:
    return (
        f"inviting participant {user_id} to wave {WAVE} of study {STUDY} failed: IntegrityError; "
        "set aside: see `interviewer db problems`"
    )


async def test_a_member_whose_wave_invitation_cannot_be_written_is_set_aside_and_the_wave_goes_on(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(database_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await _complete(runtime, clock, "U1", "U2")
        await leave_a_stale_wave_invitation(runtime, "U2")
        broken = await participant_id(runtime, "U2")
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=91)

        with caplog.at_level(logging.DEBUG, logger="bot.outreach"):
            planned = await scheduler.run_once()
        assert (planned.waves, planned.failed) == (1, 1)
        assert await _in_wave(runtime) == ["U1"], "the member who could be invited was"
        assert await _in_wave(runtime, "unwritten") == ["U2"], "the other one set aside on their own"
        assert _errors(caplog) == [_set_aside_line(broken)]
        assert LEFT_OVER not in caplog.text and INTRO not in caplog.text, "no message text in the log"
        assert await _wave_rows(runtime) == [], "not a failure of the wave"
        async with runtime.store.session() as s:
            aside = (await s.exec(select(InvitationRow).where(InvitationRow.status == "unwritten"))).one()
            prefix = invitation_prefix(STUDY, WAVE, broken)
            theirs = await s.exec(select(OutboxRow.text).where(col(OutboxRow.key).startswith(prefix)))
            assert theirs.all() == [LEFT_OVER], "no message queued for the member set aside"
        assert aside.interview_id is None and aside.reminders_sent == 0
        [wave_funnel] = [line for line in await funnel_lines(runtime.engine, study) if "wave" in line]
        assert wave_funnel.startswith(f"Invitation funnel, wave {WAVE}: invited 1, "), wave_funnel
        assert "wave (planned)" not in await upcoming(runtime.engine, STUDY), "nor shown as due"

        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            for later in ("U3", "U4", "U5"):  # people who complete later are invited, tick after tick
                await _complete(runtime, clock, later)
                clock.advance(days=91)
                planned = await scheduler.run_once()
                assert (planned.waves, planned.failed) == (1, 0), later
        assert _errors(caplog) == [], "the member set aside is logged once, not at every tick"
        assert await _in_wave(runtime) == ["U1", "U3", "U4", "U5"]
        assert await _wave_rows(runtime) == []
        [shown] = await members_set_aside(runtime.store)
        assert (shown.id, shown.study_id, shown.wave, shown.who) == (aside.id, STUDY, WAVE, "slack:T1:U2")
        assert shown.line() == (
            f"inv:{aside.id} study {STUDY} wave {WAVE} to slack:T1:U2: the invitation was never written "
            "(it failed at 2027-06-07 10:00 UTC)"
        )

        await remove_stale_wave_invitations(runtime)
        assert await put_back(runtime.store, [aside.id or 0]) == 1
        assert await put_back(runtime.store, [aside.id or 0]) == 0, "only one set aside"
        planned = await scheduler.run_once()
        assert (planned.waves, planned.failed) == (1, 0), "invited at the next tick"
        assert await _in_wave(runtime) == ["U1", "U2", "U3", "U4", "U5"]
        assert await _in_wave(runtime, "unwritten") == [] and await members_set_aside(runtime.store) == []
        clock.advance(minutes=1)
        await scheduler.run_once()
        invited = sorted(m.to.user_id for m in sender.sent if m.text.startswith(INTRO))
        assert invited == ["U1", "U2", "U3", "U4", "U5"]


async def test_an_error_of_our_code_inviting_one_member_of_a_wave_sets_aside_that_member_only(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug that one member's data sets off (here the pseudonym of U2 raises) is not the wave's fault:
    that member is set aside as one whose rows the database refused, the others are invited, and the wave
    counts no failure however many ticks the bug lasts; mended and put back, the member is invited."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(database_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        await _complete(runtime, clock, "U1", "U2", "U3")
        broken = await participant_id(runtime, "U2")
        pseudonyms = runtime.engine.pseudonyms
        real_code = pseudonyms.code

        def code(study_id: str, who: Address) -> str:
            if who.user_id == "U2":
                raise KeyError("a bug of ours")
            return real_code(study_id, who)

        monkeypatch.setattr(pseudonyms, "code", code)
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=91)
        with caplog.at_level(logging.ERROR, logger="bot.outreach"):
            planned = await scheduler.run_once()
            assert (planned.waves, planned.failed) == (2, 1)
            for _ in range(3):  # more ticks than it takes to set a wave aside
                clock.advance(minutes=1)
                planned = await scheduler.run_once()
                assert (planned.waves, planned.failed) == (0, 0)
        assert await _in_wave(runtime) == ["U1", "U3"]
        assert await _in_wave(runtime, "unwritten") == ["U2"]
        assert await _wave_rows(runtime) == [], "the wave counted no failure"
        assert await waves_set_aside(runtime.store) == []
        assert _errors(caplog) == [
            f"inviting participant {broken} to wave {WAVE} of study {STUDY} failed: KeyError; "
            "set aside: see `interviewer db problems`"
        ], "logged once, by the error's type"
        assert "a bug of ours" not in caplog.text
        [shown] = await members_set_aside(runtime.store)
        assert shown.who == "slack:T1:U2"

        monkeypatch.setattr(pseudonyms, "code", real_code)
        assert await put_back(runtime.store, [shown.id]) == 1
        assert (await scheduler.run_once()).waves == 1
        assert await _in_wave(runtime) == ["U1", "U2", "U3"]


async def test_a_member_set_aside_from_a_wave_who_withdraws_is_no_longer_listed(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Withdrawal ends their part in the study: nobody is to invite them, so there is nothing to mend."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        await _complete(runtime, clock, "U1", "U2")
        await leave_a_stale_wave_invitation(runtime, "U2")
        clock.advance(days=91)
        await Scheduler(runtime.engine).run_once()
        assert [m.who for m in await members_set_aside(runtime.store)] == ["slack:T1:U2"]

        async with runtime.store.session() as s:
            await withdraw(s, await participant_id(runtime, "U2"), member("U2").address.key, STUDY)
        assert await members_set_aside(runtime.store) == []
        assert await _in_wave(runtime) == ["U1"], "the others' invitations stay"


async def test_a_wave_whose_planning_fails_is_set_aside_after_three_tries_and_planned_once_put_back(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The wave's query cannot read a member row: no member's invitation is to blame, the wave is."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(database_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        await _complete(runtime, clock, "U1", "U2")
        await leave_an_unreadable_member(runtime, "U2")
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=91)

        with caplog.at_level(logging.DEBUG, logger="bot.outreach"):
            planned = await scheduler.run_once()
        assert (planned.waves, planned.failed) == (0, 1)
        [error] = _errors(caplog)
        assert error.startswith(f"planning wave {WAVE} of study {STUDY} failed (1 of 3 tries): "), error
        assert error.endswith("DataError" if runtime.store.is_postgres else "ValueError"), error
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
        assert await _in_wave(runtime) == []
        [shown] = await waves_set_aside(runtime.store)
        assert (shown.id, shown.study_id, shown.wave, shown.failures) == (row.id, STUDY, WAVE, 3)
        assert shown.line().startswith(f"wave:{row.id} study {STUDY} wave {WAVE}: planning failed 3 times")

        await mend_unreadable_members(runtime, clock.now)
        assert await put_back_waves(runtime.store, [row.id or 0]) == 1
        assert await put_back_waves(runtime.store, [row.id or 0]) == 0, "only a set-aside wave"
        planned = await scheduler.run_once()
        assert (planned.waves, planned.failed) == (3, 0), "everyone who came due meanwhile"
        assert await _in_wave(runtime) == ["U1", "U2", "U3"]
        clock.advance(minutes=1)  # they are paced a moment apart
        await scheduler.run_once()
        assert sorted(m.to.user_id for m in sender.sent if m.text.startswith(INTRO)) == ["U1", "U2", "U3"]
        [row] = await _wave_rows(runtime)
        assert (row.status, row.plan_failures) == ("open", 0)


async def test_a_wave_planned_after_failing_starts_its_count_again(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two failures, then a plan that succeeds: the next failure is the first of three again."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        await _complete(runtime, clock, "U1", "U2")
        await leave_an_unreadable_member(runtime, "U1")
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=91)
        for _ in range(2):
            assert (await scheduler.run_once()).failed == 1
        assert [r.plan_failures for r in await _wave_rows(runtime)] == [2]

        await mend_unreadable_members(runtime, clock.now)
        assert (await scheduler.run_once()).waves == 2
        assert [(r.status, r.plan_failures) for r in await _wave_rows(runtime)] == [("open", 0)]

        await _complete(runtime, clock, "U3")
        await leave_an_unreadable_member(runtime, "U3")
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
        assert await _in_wave(runtime) == ["U1"]
