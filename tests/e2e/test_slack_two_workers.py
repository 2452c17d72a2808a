"""Two `interviewer run --slack --http` processes on one database, as docs/scheduling.md allows: a roster's
invitations and their reminders each reach every member once, whichever process sends them."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from subprocess import PIPE

import pytest

from tests.support.fakes.bot_process import BotProcess, free_port, interviewer_command
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.fakes.slack_service import slack_env

INVITATION = "A ten minute chat about the tools you use at work?"
MEMBERS = [f"UMEMBER{n:02d}" for n in range(8)]
STUDY = {
    "invitation": {"text": INVITATION, "max_reminders": 1, "reminder_after": "1m", "expire_after": "1w"},
    "schedule": {
        "send_window": "00:00-00:00",
        "quiet_hours": "00:00-00:00",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    },
}


@pytest.mark.long
async def test_two_bot_processes_send_each_invitation_and_reminder_once(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        for user in MEMBERS:
            fake.member(user)
        env = slack_env(tmp_path, fake, STUDY)
        roster = tmp_path / "roster.csv"
        roster.write_text("user_id\n" + "\n".join(MEMBERS) + "\n", encoding="utf-8")
        invite = [interviewer_command(), "invite", "pilot-study", "--roster", str(roster)]
        bots = []
        for name in ("first", "second"):
            folder = tmp_path / name
            folder.mkdir()
            port = free_port()
            bots.append((BotProcess(folder, env, "--slack", "--http", "--port", str(port)), port))
        for bot, port in bots:
            await bot.start()
            await bot.wait_http(port)
        try:
            invited = await asyncio.create_subprocess_exec(
                *invite, "--workspace", fake.team_id, env=bots[0][0].env, stdout=PIPE, stderr=PIPE
            )
            out, err = await asyncio.wait_for(invited.communicate(), 120)
            assert invited.returncode == 0, err.decode()
            assert f"{len(MEMBERS)} invitation(s)" in out.decode()

            def reminders() -> list[str]:
                return [p["channel"] for p in fake.posted if "gentle reminder" in str(p.get("text"))]

            # invitations go out at once, 1.25 s apart; each reminder a minute after its invitation
            await fake.wait_until(lambda: len(reminders()) >= len(MEMBERS), seconds=150)
            await asyncio.sleep(5)  # a few more ticks of both processes: nothing more goes out
            for bot, _ in bots:
                bot.check_running()
        finally:
            for bot, _ in bots:
                await bot.stop()
    invitations = [p["channel"] for p in fake.posted if str(p.get("text", "")).startswith(INVITATION)]
    assert Counter(invitations) == Counter(dm_channel(user) for user in MEMBERS)
    assert Counter(reminders()) == Counter(dm_channel(user) for user in MEMBERS)
    logs = "".join(bot.log for bot, _ in bots)
    assert "Traceback" not in logs and "database is locked" not in logs, logs
