"""A reminder that comes due overnight before a daylight-saving change goes out once, at 09:00 local time
on the day the clocks change (Berlin: 29 March and 25 October 2026), with the scheduler ticking on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.outreach.invitations import invite
from bot.outreach.scheduler import Scheduler
from tests.support.outreach import STUDY, Clock, FakeSender, member, runtime_for, sched_study_dir

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("invited_at", "nine_local"),
    [
        (datetime(2026, 3, 28, 16, 30, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),  # now CEST
        (datetime(2026, 10, 24, 15, 30, tzinfo=UTC), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),  # now CET
    ],
)
async def test_a_reminder_due_overnight_goes_out_once_at_nine_local_on_the_day_clocks_change(
    tmp_path: Path, sqlite_url: str, invited_at: datetime, nine_local: datetime
) -> None:
    invitation = {"text": "A ten minute chat about your work?", "max_reminders": 2, "reminder_after": "12h"}
    studies = sched_study_dir(tmp_path, invitation=invitation)
    clock, sender = Clock(invited_at), FakeSender()
    async with runtime_for(sqlite_url, studies, clock, sender) as runtime:
        study = runtime.catalog.get(STUDY)
        assert study is not None
        await invite(runtime.engine, study, [member("UBERLIN", "Europe/Berlin")], source="roster")
        scheduler = Scheduler(runtime.engine)
        sent_at: list[datetime] = []
        while clock.now <= nine_local.replace(hour=12):  # every five minutes through the night and morning
            before = len(sender.sent)
            await scheduler.run_once()
            sent_at += [clock.now] * (len(sender.sent) - before)
            clock.advance(minutes=5)
    assert [m.purpose for m in sender.sent] == ["invitation", "reminder"]
    assert sent_at[1] == nine_local and sent_at[1].astimezone(BERLIN).hour == 9
