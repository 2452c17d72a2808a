"""Stopping `interviewer run` (Ctrl-C, or SIGTERM as systemd and docker send it) while a cohort's
invitations go out at Slack's bulk pace: it stops at once and cleanly, and the restarted bot sends the
rest, none twice."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.e2e.test_slack import slack_service
from tests.support.fakes.slack_api import dm_channel

MEMBERS = [f"UM{i:02d}" for i in range(12)]
ALWAYS = {  # any day, any hour: the invitations are due as soon as they are scheduled
    "schedule": {
        "timezone": "UTC",
        "send_window": "00:00-00:00",
        "quiet_hours": "00:00-00:00",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    }
}


@pytest.mark.parametrize(("how", "status"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
async def test_a_stop_during_a_paced_invitation_run_loses_and_repeats_nothing(
    tmp_path: Path, how: signal.Signals, status: int
) -> None:
    async with slack_service(tmp_path, ALWAYS) as service:
        fake, bot = service.fake, service.bot
        fake.add_channel("CTEAM", "team", MEMBERS)
        organizer = service.person("UORGANIZER")
        invited = await organizer.command("invite pilot-study members:#team", "invite", typed=True)
        assert invited.startswith("12 invitation(s)"), invited

        def invitations(user: str) -> int:
            return sum(1 for p in fake.posted if p["channel"] == dm_channel(user))

        await fake.wait_until(lambda: sum(map(invitations, MEMBERS)) >= 3, 30)
        assert bot.process is not None
        bot.process.send_signal(how)
        assert await asyncio.wait_for(bot.wait_exit(), 15) == status, bot.log[-3000:]
        stopped = bot.log
        assert "Traceback" not in stopped and " ERROR " not in stopped, stopped[-3000:]
        assert "maximum number of running instances" not in stopped  # a skipped tick is by design
        if how == signal.SIGTERM:
            assert "SIGTERM: stopping" in stopped
        assert sum(map(invitations, MEMBERS)) < len(MEMBERS), "stopped before the run was over"

        await service.start()
        await fake.wait_until(lambda: all(invitations(u) for u in MEMBERS), 40)
        await asyncio.sleep(2)  # time enough for a second copy of anything to arrive
        assert {u: invitations(u) for u in MEMBERS} == dict.fromkeys(MEMBERS, 1)
