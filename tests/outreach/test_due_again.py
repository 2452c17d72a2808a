"""Scheduled messages are checked again when they fall due (bot.engine.outreach_gate): what the member did
meanwhile, the study file as it is now, and the member's send window at the moment of sending."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from bot.engine.workspaces import stop_sending
from bot.interview.texts import NOT_NOW
from bot.messages import BULK_PURPOSES, Address, Inbound
from bot.outreach.invitations import invite
from bot.outreach.scheduler import Scheduler
from bot.runtime import Runtime
from bot.storage.models import InvitationRow, OutboxRow, Participant
from tests.support.outreach import STUDY, Clock, FakeSender, member, runtime_for, sched_study_dir

THURSDAY_EVENING = datetime(2027, 3, 11, 19, 0, tzinfo=UTC)  # after the 09:00-18:00 window (UTC)


async def _rows(runtime: Runtime, purpose: str) -> list[OutboxRow]:
    async with runtime.store.session() as s:
        found = await s.exec(
            select(OutboxRow).where(OutboxRow.purpose == purpose).order_by(col(OutboxRow.id))
        )
        return list(found.all())


async def _invited(runtime: Runtime, *users: str) -> Scheduler:
    """`users` invited to the study now (by roster); the scheduler that will plan and send."""
    study = runtime.catalog.get(STUDY)
    assert study is not None
    await invite(runtime.engine, study, [member(u) for u in users], source="roster")
    return Scheduler(runtime.engine)


async def _reminder_queued_for_the_morning(runtime: Runtime, clock: Clock) -> Scheduler:
    """Invited Monday 19:00 (queued for Tuesday 09:00, sent then); on Thursday 19:00 the first reminder
    falls due outside the window and is queued for Friday 09:00."""
    scheduler = await _invited(runtime, "U1")
    clock.now = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)
    await scheduler.run_once()
    clock.now = THURSDAY_EVENING  # two days after Tuesday 09:00's invitation, after the window
    await scheduler.run_once()
    [reminder] = await _rows(runtime, "reminder")
    assert reminder.status == "pending" and reminder.not_before.hour == 9, "queued for the next morning"
    return scheduler


async def test_a_queued_reminder_of_an_invitation_is_dropped_once_the_member_starts(
    tmp_path: Path, sqlite_url: str
) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 19, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = await _reminder_queued_for_the_morning(runtime, clock)
        clock.advance(hours=2)  # 21:00: the member clicks "Take part" before the reminder goes out
        who = Address("slack", "T1", "U1")
        await runtime.engine.receive(Inbound(who, "c1", prompt="start", choice="start", study_id=STUDY))
        await runtime.engine.drain()
        clock.advance(hours=12)  # Friday 09:00
        await scheduler.run_once()
        assert not [m for m in sender.to("U1") if m.purpose == "reminder"]
        [reminder] = await _rows(runtime, "reminder")
        assert reminder.status == "cancelled"
        async with runtime.store.session() as s:
            invitation = (await s.exec(select(InvitationRow))).one()
        assert invitation.reminders_sent == 0, "a reminder never sent is not counted"


async def test_a_queued_reminder_is_dropped_when_the_member_stops(tmp_path: Path, sqlite_url: str) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 19, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = await _invited(runtime, "U1")
        clock.now = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)
        await scheduler.run_once()
        who = Address("slack", "T1", "U1")
        await runtime.engine.receive(Inbound(who, "c1", prompt="start", choice="start", study_id=STUDY))
        await runtime.engine.receive(Inbound(who, "c2", text="1"))  # consents, then goes quiet
        await runtime.engine.drain()
        clock.now = THURSDAY_EVENING
        await scheduler.run_once()
        [reminder] = await _rows(runtime, "reminder")
        assert reminder.status == "pending" and "waiting for you" in reminder.text
        clock.advance(hours=2)
        await runtime.engine.receive(Inbound(who, "m1", text="stop"))
        await runtime.engine.drain()
        clock.advance(hours=12)  # Friday 09:00
        await scheduler.run_once()
        assert not [m for m in sender.to("U1") if m.purpose == "reminder"]
        assert [r.status for r in await _rows(runtime, "reminder")] == ["cancelled"]


async def test_a_bot_down_over_the_weekend_sends_nothing_until_the_window_opens(
    tmp_path: Path, sqlite_url: str
) -> None:
    weekdays = {
        "timezone": "UTC",
        "send_window": "09:00-18:00",
        "quiet_hours": "21:00-08:00",
        "days": ["mon", "tue", "wed", "thu", "fri"],
    }
    studies = sched_study_dir(tmp_path, schedule=weekdays)
    clock, sender = Clock(datetime(2027, 3, 12, 17, 59, tzinfo=UTC)), FakeSender()  # Friday 17:59
    async with runtime_for(sqlite_url, studies, clock, sender) as runtime:
        scheduler = await _invited(runtime, "U1", "U2")
        clock.now = datetime(2027, 3, 13, 23, 0, tzinfo=UTC)  # back on Saturday at 23:00
        await scheduler.run_once()
        assert sender.sent == [], "nothing on Saturday night"
        rows = await _rows(runtime, "invitation")
        assert {r.not_before for r in rows} == {datetime(2027, 3, 15, 9, 0, tzinfo=UTC)}
        clock.now = datetime(2027, 3, 15, 9, 0, 30, tzinfo=UTC)
        await scheduler.run_once()
        assert sorted(m.to.user_id for m in sender.sent) == ["U1", "U2"]
        async with runtime.store.session() as s:
            contacts = {i.last_contact_at for i in (await s.exec(select(InvitationRow))).all()}
        assert contacts == {datetime(2027, 3, 15, 9, 0, tzinfo=UTC)}, "reminders count from the real send"


async def test_a_study_edited_to_fewer_reminders_drops_those_already_queued(
    tmp_path: Path, sqlite_url: str
) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 19, 0, tzinfo=UTC)), FakeSender()
    studies = sched_study_dir(tmp_path)
    async with runtime_for(sqlite_url, studies, clock, sender) as runtime:
        await _reminder_queued_for_the_morning(runtime, clock)
    invitation = {"text": "Tell us how you use tools at work.", "max_reminders": 0, "expire_after": "3d"}
    sched_study_dir(tmp_path, invitation=invitation)  # the researcher edits the file; the bot restarts
    async with runtime_for(sqlite_url, studies, clock, sender) as runtime:
        clock.advance(hours=14)
        await Scheduler(runtime.engine).run_once()
        assert not [m for m in sender.to("U1") if m.purpose == "reminder"]
        [reminder] = await _rows(runtime, "reminder")
        assert reminder.status == "cancelled"


async def test_an_interview_expires_inside_the_send_window(tmp_path: Path, sqlite_url: str) -> None:
    invitation = {"text": "Tell us how you use tools at work.", "max_reminders": 0, "expire_after": "1d"}
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(
        sqlite_url, sched_study_dir(tmp_path, invitation=invitation), clock, sender
    ) as runtime:
        scheduler = await _invited(runtime, "U1")
        await scheduler.run_once()
        clock.now = datetime(2027, 3, 9, 23, 30, tzinfo=UTC)  # over a day later, in the quiet hours
        await scheduler.run_once()
        assert len(sender.to("U1")) == 1, "only the invitation so far"
        clock.now = datetime(2027, 3, 10, 9, 0, 30, tzinfo=UTC)
        await scheduler.run_once()
        assert "closed because we did not hear back" in sender.to("U1")[-1].text


async def test_a_workspace_that_removed_the_app_gets_no_more_reminders(
    tmp_path: Path, sqlite_url: str
) -> None:
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = await _invited(runtime, "U1")
        await scheduler.run_once()
        assert await stop_sending(runtime.store, "slack", "T1") == 0
        for _ in range(6):
            clock.advance(days=1)
            await scheduler.run_once()
        assert [m.purpose for m in sender.to("U1")] == ["invitation"]
        async with runtime.store.session() as s:
            assert (await s.exec(select(InvitationRow))).one().status == "closed"
            assert not (await s.exec(select(Participant))).one().unreachable


async def test_a_member_who_went_quiet_again_after_a_dropped_reminder_is_reminded(
    tmp_path: Path, sqlite_url: str
) -> None:
    """A reminder dropped when it fell due (the member had just started) does not block the next one:
    when the member then goes quiet mid-interview, they get that reminder, once, and others' still go."""
    clock, sender = Clock(datetime(2027, 3, 8, 19, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = await _reminder_queued_for_the_morning(runtime, clock)
        clock.advance(hours=2)  # Thursday 21:00: the member clicks "Take part", then goes quiet
        who = Address("slack", "T1", "U1")
        await runtime.engine.receive(Inbound(who, "c1", prompt="start", choice="start", study_id=STUDY))
        await runtime.engine.drain()
        await _invited(runtime, "U2")
        for _ in range(8):  # Friday 09:00 onwards: the first reminder is dropped; then two quiet days
            clock.advance(hours=12)
            await scheduler.run_once()
        reminders = [m for m in sender.to("U1") if m.purpose == "reminder"]
        assert [m.text.startswith("A gentle reminder (1)") for m in reminders] == [True], reminders
        assert "waiting for you" in reminders[0].text
        assert [m.purpose for m in sender.to("U2")][:2] == ["invitation", "reminder"]


async def test_a_member_found_unreachable_meanwhile_is_not_tried_again(
    tmp_path: Path, sqlite_url: str
) -> None:
    """An invitation queued for the morning is dropped when, overnight, a DM to the member failed for
    good (blocked the bot, closed DMs, left the server): each such try counts against the bot on
    Discord, and the member is not invited again until they write first."""
    clock, sender = Clock(datetime(2027, 3, 8, 19, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = await _invited(runtime, "U1", "U2")
        async with runtime.store.session() as s:  # as the dispatcher marks them after Unreachable
            participant = (await s.exec(select(Participant).where(Participant.user_id == "U1"))).one()
            participant.unreachable = True
            s.add(participant)
        clock.now = datetime(2027, 3, 9, 9, 0, 30, tzinfo=UTC)
        await scheduler.run_once()
        assert [m.to.user_id for m in sender.sent] == ["U2"]
        statuses = {r.user_id: r.status for r in await _rows(runtime, "invitation")}
        assert statuses == {"U1": "cancelled", "U2": "sent"}


async def _say(runtime: Runtime, user: str, key: str, text: str) -> None:
    await runtime.engine.receive(Inbound(Address("slack", "T1", user), key, text=text))
    await runtime.engine.drain()


async def test_opting_back_in_reopens_what_the_opt_out_closed_and_sends_nothing_it_cancelled(
    tmp_path: Path, database_url: str
) -> None:
    """U1 opts out while their first reminder waits for the morning, then back in: that reminder stays
    cancelled, and reminders start again `reminder_after` after the opt-in, each number once, at most
    `max_reminders`. U2 said "Not now" before opting out and in: their invitation stays declined."""
    clock, sender = Clock(datetime(2027, 3, 8, 19, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(database_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = await _invited(runtime, "U1", "U2")
        clock.now = datetime(2027, 3, 9, 9, 0, 30, tzinfo=UTC)  # Tuesday: both invitations go out
        await scheduler.run_once()
        not_now = Inbound(Address("slack", "T1", "U2"), "n1", prompt="start", choice=NOT_NOW + STUDY)
        await runtime.engine.receive(not_now)
        await runtime.engine.drain()
        clock.now = THURSDAY_EVENING
        await scheduler.run_once()
        [queued] = await _rows(runtime, "reminder")
        assert (queued.user_id, queued.status) == ("U1", "pending"), "U1's first, for Friday 09:00"

        clock.advance(minutes=10)
        for user in ("U1", "U2"):
            await _say(runtime, user, f"{user}-out", "optout")
        clock.advance(minutes=10)  # Thursday 19:20
        for user in ("U1", "U2"):
            await _say(runtime, user, f"{user}-in", "optin")
            assert "receive study invitations again" in sender.to(user)[-1].text
        for _ in range(7):  # every 6 hours up to Saturday 13:20: nothing cancelled comes back
            clock.advance(hours=6)
            await scheduler.run_once()
        assert not [m for m in sender.sent if m.purpose == "reminder"]
        [cancelled] = await _rows(runtime, "reminder")
        assert cancelled.status == "cancelled" and cancelled.id == queued.id

        for _ in range(28):  # a week more: reminded from the opt-in on, then expired
            clock.advance(hours=6)
            await scheduler.run_once()
        reminders = [m.text for m in sender.to("U1") if m.purpose == "reminder"]
        assert [t[: len("A gentle reminder (1)")] for t in reminders] == [
            "A gentle reminder (1)",
            "A gentle reminder (2)",
        ], "each number once, at most max_reminders"
        first = next(m for m in await _rows(runtime, "reminder") if m.status == "sent")
        assert first.sent_at is not None and first.sent_at >= datetime(2027, 3, 13, 19, 20, tzinfo=UTC)
        assert "closed because we did not hear back" in sender.to("U1")[-1].text
        assert [m.purpose for m in sender.to("U2") if m.purpose in BULK_PURPOSES] == ["invitation"]
        async with runtime.store.session() as s:
            found = await s.exec(
                select(Participant.user_id, InvitationRow.status).join(
                    InvitationRow, col(InvitationRow.participant_id) == col(Participant.id)
                )
            )
            assert dict(found.all()) == {"U1": "closed", "U2": "closed"}


async def test_a_member_who_said_not_now_then_start_is_reminded_if_they_stall(
    tmp_path: Path, sqlite_url: str
) -> None:
    """*Not now* stops the reminders; `start` later reopens the invitation, and a member who then goes
    quiet at the consent question is reminded `reminder_after` later, quoting it."""
    clock, sender = Clock(datetime(2027, 3, 8, 10, 0, tzinfo=UTC)), FakeSender()
    async with runtime_for(sqlite_url, sched_study_dir(tmp_path), clock, sender) as runtime:
        scheduler = await _invited(runtime, "U1")
        await scheduler.run_once()  # Monday 10:00: the invitation goes out
        await runtime.engine.receive(
            Inbound(Address("slack", "T1", "U1"), "n1", prompt="start", choice=NOT_NOW + STUDY)
        )
        await runtime.engine.drain()
        for _ in range(3):  # three quiet days after Not now: nothing
            clock.advance(days=1)
            await scheduler.run_once()
        assert not [m for m in sender.to("U1") if m.purpose == "reminder"]
        await _say(runtime, "U1", "s1", "start")  # Thursday 10:00
        consent = sender.to("U1")[-1]
        for _ in range(8):  # then quiet again, checked every 6 hours for two days
            clock.advance(hours=6)
            await scheduler.run_once()
        [reminder] = [m for m in sender.to("U1") if m.purpose == "reminder"]
        assert reminder.text.startswith("A gentle reminder (1): our interview")
        assert consent.text.split("\n")[0] in reminder.text
