"""Invitations, reminders, expiry, snooze, opt-out and follow-up waves, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.engine.followups import earlier_summary
from bot.errors import Permanent
from bot.interview.moves import Move
from bot.interviewer.base import InterviewContext
from bot.interviewer.scripted import OfflineInterviewer
from bot.messages import Address, Inbound, Outbound
from bot.outreach.invitations import NotInvitable, invite
from bot.outreach.scheduler import Scheduler
from bot.records.importer import PLATFORM as IMPORTED
from bot.records.retention import purge
from bot.runtime import Runtime
from bot.storage.models import Interview, InvitationRow, OutboxRow, Participant, Turn
from tests.support.helpers import settings_for, start_runtime
from tests.support.outreach import (
    STUDY,
    Clock,
    FakeSender,
    member,
    runtime_for,
    sched_study_dir,
    wave_study_dir,
)

MONDAY = datetime(2027, 3, 8, 6, 0, tzinfo=UTC)  # 07:00 in Berlin, 01:00 in New York


class RecordingInterviewer(OfflineInterviewer):
    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[InterviewContext] = []

    async def next_move(self, context: InterviewContext) -> Move:
        self.contexts.append(context)
        return await super().next_move(context)


async def click_start(runtime: Runtime, user: str, key: str) -> None:
    who = Address("slack", "T1", user)
    await runtime.engine.receive(Inbound(who, key, prompt="start", choice="start", study_id=STUDY))
    await runtime.engine.drain()


async def say(runtime: Runtime, user: str, key: str, text: str) -> None:
    await runtime.engine.receive(Inbound(Address("slack", "T1", user), key, text=text))
    await runtime.engine.drain()


async def test_invitations_go_out_in_each_members_local_window(tmp_path: Path, sqlite_url: str) -> None:
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        members = [member("UBER", "Europe/Berlin"), member("UNYC", "America/New_York"), member("UUTC")]
        report = await invite(runtime.engine, study, members, source="roster", pace=timedelta(0))
        assert report.invited == 3
        scheduler = Scheduler(runtime.engine)
        await scheduler.run_once()
        assert sender.sent == []  # 07:00 Berlin, 06:00 UTC, 01:00 New York: all before the window
        clock.now = datetime(2027, 3, 8, 8, 0, tzinfo=UTC)  # 09:00 Berlin
        await scheduler.run_once()
        assert [m.to.user_id for m in sender.sent] == ["UBER"]
        clock.now = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
        await scheduler.run_once()
        assert [m.to.user_id for m in sender.sent] == ["UBER", "UUTC"]
        clock.now = datetime(2027, 3, 8, 14, 0, tzinfo=UTC)  # 09:00 EST
        await scheduler.run_once()
        invitation = sender.to("UNYC")[0]
        assert invitation.prompt == "start" and invitation.choices[0].value == STUDY
        assert invitation.purpose == "invitation"
        again = await invite(runtime.engine, study, members, source="roster")
        assert again.invited == 0 and again.already == 3


async def test_invitation_after_the_dst_change_uses_daylight_time(tmp_path: Path, sqlite_url: str) -> None:
    """New York moves to EDT on 14 March 2027: 09:00 local is then 13:00 UTC, not 14:00."""
    clock, sender = Clock(datetime(2027, 3, 13, 23, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("UNYC", "America/New_York")], source="roster")
        async with runtime.store.session() as s:
            row = (await s.exec(select(OutboxRow))).one()
        assert row.not_before == datetime(2027, 3, 14, 13, 0, tzinfo=UTC)


async def test_reminders_are_capped_then_the_interview_expires(tmp_path: Path, sqlite_url: str) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1")], source="roster")
        scheduler = Scheduler(runtime.engine)
        for _ in range(12):  # twelve days, checked every day at 10:00 UTC
            await scheduler.run_once()
            clock.advance(days=1)
        texts = [m.text for m in sender.to("U1")]
        assert len([m for m in sender.to("U1") if m.purpose == "reminder"]) == 2
        assert "reminder (1)" in texts[1] and "reminder (2)" in texts[2]
        assert "closed because we did not hear back" in texts[3]
        assert len(texts) == 4
        async with runtime.store.session() as s:
            interview = (await s.exec(select(Interview))).one()
        assert interview.state == "expired"


class RefusesFirst(FakeSender):
    """The platform refuses the first message (the invitation), then delivers again."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[Outbound] = []

    async def send(self, message: Outbound) -> str:
        if not self.refused:
            self.refused.append(message)
            raise Permanent("internal_error")
        return await super().send(message)


async def test_a_reminder_of_an_invitation_that_never_arrived_is_the_invitation(
    tmp_path: Path, sqlite_url: str
) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), RefusesFirst()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None and study.invitation is not None
        await invite(runtime.engine, study, [member("U1")], source="roster")
        scheduler = Scheduler(runtime.engine)
        for _ in range(5):
            await scheduler.run_once()
            clock.advance(days=1)
        assert [m.purpose for m in sender.refused] == ["invitation"]
        first, second = sender.to("U1")[:2]
        assert first.purpose == "reminder" and "reminder" not in first.text
        assert first.text.startswith(study.invitation.text) and first.prompt == "start"
        assert second.text.startswith("A gentle reminder (2)")  # the first did arrive


async def test_reminders_stop_once_the_member_starts_and_say_where_they_left_off(
    tmp_path: Path, sqlite_url: str
) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1")], source="roster")
        scheduler = Scheduler(runtime.engine)
        await scheduler.run_once()
        clock.advance(days=1)
        await click_start(runtime, "U1", "click-1")
        assert "Do you agree" in sender.to("U1")[-1].text or sender.to("U1")[-1].prompt == "consent"
        clock.advance(days=1, hours=1)  # two days after the invitation, one day after the click
        await scheduler.run_once()
        assert not [m for m in sender.to("U1") if m.purpose == "reminder"]
        clock.advance(days=1)
        await scheduler.run_once()
        reminders = [m for m in sender.to("U1") if m.purpose == "reminder"]
        assert len(reminders) == 1
        assert "Where we left off" in reminders[0].text and "research interview" in reminders[0].text


async def test_snooze_postpones_the_next_reminder(tmp_path: Path, sqlite_url: str) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1")], source="roster")
        scheduler = Scheduler(runtime.engine)
        await scheduler.run_once()
        await say(runtime, "U1", "m-1", "snooze 5d")
        assert sender.to("U1")[-1].text.startswith("Snoozed: no reminders for 5d")
        for _ in range(4):
            clock.advance(days=1)
            await scheduler.run_once()
        assert not [m for m in sender.to("U1") if m.purpose == "reminder"]
        clock.advance(days=1, hours=1)
        await scheduler.run_once()
        assert len([m for m in sender.to("U1") if m.purpose == "reminder"]) == 1
        await say(runtime, "U1", "m-2", "snooze soon")
        assert "snooze 2d" in sender.to("U1")[-1].text


async def test_optout_stops_invitations_and_says_how_to_opt_back_in(tmp_path: Path, sqlite_url: str) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 6, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await say(runtime, "U1", "m-1", "optout")
        assert "optin" in sender.to("U1")[-1].text
        async with runtime.store.session() as s:
            assert (await s.exec(select(Interview))).all() == []  # no interview started for it
        report = await invite(runtime.engine, study, [member("U1"), member("U2")], source="roster")
        assert report.invited == 1 and report.opted_out == 1
        await say(runtime, "U2", "m-2", "optout")  # U2 opts out before the queued invitation is due
        clock.advance(hours=4)
        await Scheduler(runtime.engine).run_once()
        assert not [m for m in sender.sent if m.purpose == "invitation"]
        await say(runtime, "U1", "m-3", "optin")
        assert "receive study invitations again" in sender.to("U1")[-1].text
        assert (await invite(runtime.engine, study, [member("U1")], source="roster")).invited == 1


@pytest.mark.parametrize("platform", [IMPORTED, "console"])
async def test_imported_and_terminal_interviews_get_no_follow_up_wave(
    tmp_path: Path, sqlite_url: str, platform: str
) -> None:
    """A transcript read from a file (`interviewer import`) has no one behind it to invite, and a terminal
    interview (`interviewer chat`) nobody to receive the invitation once the command has ended."""
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        async with runtime.store.session() as s:
            imported = Participant(platform=platform, workspace=STUDY, user_id="T-1")
            s.add(imported)
            await s.flush()
            s.add(
                Interview(
                    participant_id=imported.id or 0,
                    study_id=STUDY,
                    study_version=1,
                    plan_hash="imported",
                    participant_code="P-IMPORTED",
                    state="completed",
                    interviewer="imported",
                    completed_at=clock.now,
                )
            )
        clock.advance(days=91)
        assert (await Scheduler(runtime.engine).run_once()).waves == 0
        async with runtime.store.session() as s:
            assert (await s.exec(select(InvitationRow))).all() == []
            assert (await s.exec(select(OutboxRow))).all() == []


async def test_an_interview_deleted_by_retention_gets_no_follow_up_wave(
    tmp_path: Path, sqlite_url: str
) -> None:
    """`db purge` (or retention) deleted the interview: there is nothing left to follow up."""
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, wave_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1"), member("U2")], source="roster")
        async with runtime.store.session() as s:
            for done in (await s.exec(select(Interview))).all():
                done.state, done.completed_at = "completed", clock.now
                s.add(done)
        async with runtime.store.session() as s:
            first = (await s.exec(select(Interview).order_by(Interview.id))).first()
            assert first is not None
            first.updated_at = clock.now - timedelta(days=400)  # only U1's is past the cut-off
            s.add(first)
        report = await purge(runtime.store, STUDY, clock.now - timedelta(days=365), cache_dir=None)
        assert report.interviews == 1
        clock.advance(days=91)
        assert (await Scheduler(runtime.engine).run_once()).waves == 1
        async with runtime.store.session() as s:
            waves = (await s.exec(select(InvitationRow).where(InvitationRow.wave != "main"))).all()
            invited = [await s.get(Participant, row.participant_id) for row in waves]
        assert [p.user_id for p in invited if p] == ["U2"]


async def test_follow_up_wave_after_completion_carries_a_summary(tmp_path: Path, sqlite_url: str) -> None:
    studies = wave_study_dir(tmp_path)
    clock, sender, recorder = (
        Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)),
        FakeSender(),
        RecordingInterviewer(),
    )
    async with runtime_for(sqlite_url, studies, clock, sender, interviewer=recorder) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("U1")], source="roster")
        async with runtime.store.session() as s:
            first = (await s.exec(select(Interview))).one()
            first.state, first.completed_at = "completed", clock.now
            s.add(first)
            s.add(
                Turn(
                    interview_id=first.id or 0,
                    seq=1,
                    role="interviewer",
                    text="Which tasks do you use tools for?",
                )
            )
            s.add(
                Turn(
                    interview_id=first.id or 0,
                    seq=2,
                    role="participant",
                    text="Mostly drafting emails. Also code.",
                )
            )
        scheduler = Scheduler(runtime.engine)
        clock.advance(days=89)
        assert (await scheduler.run_once()).waves == 0
        clock.advance(days=2)
        assert (await scheduler.run_once()).waves == 1
        assert (await scheduler.run_once()).waves == 0  # at most once per wave
        assert sender.to("U1")[-1].text.startswith("Three months on")
        async with runtime.store.session() as s:
            rows = (await s.exec(select(InvitationRow).order_by(InvitationRow.id))).all()
            assert [r.wave for r in rows] == ["main", "later"]
            follow_up = await s.get(Interview, rows[1].interview_id)
            assert follow_up is not None
            summary = await earlier_summary(s, follow_up)
        assert summary and "Mostly drafting emails" in summary and "Also code" not in summary
        await click_start(runtime, "U1", "c-1")
        await say(runtime, "U1", "m-1", "yes")
        await say(runtime, "U1", "m-2", "yes")
        await say(runtime, "U1", "m-3", "Engineer")
        assert recorder.contexts, "the interviewer was not asked"
        context = recorder.contexts[-1]
        assert [t.id for t in context.study.plan.topics] == ["change"]
        assert context.earlier_summary and "drafting emails" in context.earlier_summary


@pytest.mark.parametrize("text", ["snooze", "snooze 2d", "/snooze 12h", "optout", "optin"])
def test_preference_words_are_commands(text: str) -> None:
    from bot.interview.conversation import parse_command

    assert parse_command(text) is not None


async def test_a_send_window_that_never_opens_is_refused_clearly(tmp_path: Path, sqlite_url: str) -> None:
    """Loading refuses such a study (tests/studies/test_schedule_check.py); invite still refuses one built
    without validation, e.g. by code."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        loaded = runtime.catalog.get(STUDY)
        assert loaded is not None
        closed = loaded.schedule.model_copy(
            update={"send_window": "22:00-23:00", "quiet_hours": "21:00-08:00"}
        )
        study = loaded.model_copy(update={"schedule": closed})  # model_copy does not validate
        with pytest.raises(NotInvitable, match="never allows a send"):
            await invite(runtime.engine, study, [member("U1")], source="roster")
        async with runtime.store.session() as s:
            assert (await s.exec(select(InvitationRow))).all() == []
        assert (await Scheduler(runtime.engine).run_once()).reminders == 0  # the tick keeps running


async def test_an_unapproved_plan_sends_no_invitations(tmp_path: Path, sqlite_url: str) -> None:
    studies = sched_study_dir(tmp_path)
    settings = settings_for(sqlite_url, studies, default_study=STUDY, require_approval=True)
    async with start_runtime(
        settings, study_paths=[studies / f"{STUDY}.yaml"], clock=Clock(MONDAY)
    ) as runtime:
        runtime.engine.register_sender("slack", FakeSender())
        study = runtime.catalog.get(STUDY)
        assert study is not None
        with pytest.raises(NotInvitable, match="plan approve"):
            await invite(runtime.engine, study, [member("U1")], source="roster")
        async with runtime.store.session() as s:
            assert (await s.exec(select(InvitationRow))).all() == []
            assert (await s.exec(select(Interview))).all() == []


async def test_a_roster_larger_than_a_window_fills_one_days_window_after_another(
    tmp_path: Path, sqlite_url: str
) -> None:
    """At one invitation an hour, a 09:00-18:00 window holds nine: the rest wait for the next days'
    windows instead of all falling due at the first opening and going out, behind, in the quiet hours."""
    clock, sender = Clock(MONDAY), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        members = [member(f"U{n}") for n in range(20)] + [member(f"B{n}", "Europe/Berlin") for n in range(3)]
        report = await invite(runtime.engine, study, members, source="roster", pace=timedelta(hours=1))
        assert report.invited == 23
        async with runtime.store.session() as s:
            rows = (await s.exec(select(OutboxRow).where(OutboxRow.purpose == "invitation"))).all()
    due = {r.user_id: r.not_before.replace(tzinfo=UTC) for r in rows if r.not_before}
    utc = sorted(due[f"U{n}"] for n in range(20))
    assert all(9 <= t.hour < 18 for t in utc), utc  # every one inside the window
    assert [t.day for t in utc] == [8] * 9 + [9] * 9 + [10] * 2
    assert len(set(utc)) == 20  # an hour apart within a day
    berlin = sorted(due[f"B{n}"] for n in range(3))  # another zone keeps its own pace, from its own opening
    assert [t.hour for t in berlin] == [8, 9, 10]  # 09:00, 10:00, 11:00 in Berlin
