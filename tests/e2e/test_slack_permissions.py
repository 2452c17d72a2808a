"""A scope the Slack app lacks while `interviewer run --slack --http` sends participants' DMs: the
messages are set aside, not lost; the researchers hear of it once per scope; `interviewer doctor` and
`interviewer db problems` and `/interviewer status` name the scope; and `db problems --retry` sends them once it is granted."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.e2e.test_slack import slack_service
from tests.e2e.test_slack_stopping import ALWAYS
from tests.support import cli
from tests.support.fakes.slack_api import dm_channel

INVITATION = "You are invited to take part"


async def test_invitations_refused_for_a_missing_scope_are_set_aside_alerted_once_and_sent_after_the_fix(
    tmp_path: Path,
) -> None:
    """conversations.open needs `im:write` (https://docs.slack.dev/reference/methods/conversations.open);
    without it Slack answers `missing_scope` with `needed` and `provided`
    (https://docs.slack.dev/authentication/tokens)."""
    async with slack_service(tmp_path, ALWAYS) as service:
        fake = service.fake
        fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL", "UDAN"])
        researcher = service.person("URESEARCH")
        assert await researcher.say("hi") is not None  # the bot knows the researcher's DM from this
        workspace = fake.workspace()
        workspace.scopes = workspace.scopes - {"im:write"}  # installed from an older manifest

        organizer = service.person("UORGANIZER")
        answer = await organizer.command("invite pilot-study members:#team", "invite", typed=True)
        assert answer.startswith("3 invitation(s)"), answer

        def alerts() -> list[str]:
            texts = (str(p.get("text")) for p in fake.posted if p["channel"] == dm_channel("URESEARCH"))
            return [t for t in texts if "im:write" in t]

        await fake.wait_until(lambda: bool(alerts()), 30)
        await asyncio.sleep(3)  # a few ticks: time enough for a second alert to go out
        assert len(alerts()) == 1, alerts()
        assert "add it under OAuth &amp; Permissions and reinstall the app" in alerts()[0]  # Slack's escape
        assert "set aside" in alerts()[0] and "--retry out:ID" in alerts()[0]
        refused = [c for c in fake.calls_to("conversations.open") if c.error == "missing_scope"]
        assert len(refused) == 3

        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "STUDIES_DIR": str(tmp_path / "studies")}
        problems = await asyncio.to_thread(cli.run, ["db", "problems"], tmp_path, **env)
        assert problems.returncode == 0, problems.stderr
        ids = re.findall(r"^(out:\d+) ", problems.stdout, re.MULTILINE)
        assert len(ids) == 3, problems.stdout
        assert "3 wait for the `im:write` permission" in problems.stdout, problems.stdout
        doctor = await asyncio.to_thread(cli.run, ["doctor"], tmp_path, **env)
        assert "3 wait for the `im:write` permission" in doctor.stdout, doctor.stdout
        status = await researcher.command("status pilot-study", "status", typed=True)
        assert "Messages set aside, not sent: 3 wait for the `im:write` permission" in status, status

        workspace.scopes = workspace.scopes | {"im:write"}  # added and the app reinstalled
        retry = [arg for out in ids for arg in ("--retry", out)]
        put_back = await asyncio.to_thread(cli.run, ["db", "problems", *retry], tmp_path, **env)
        assert "3 dead letter(s) put back" in put_back.stdout, put_back.stdout + put_back.stderr

        def invited(user: str) -> int:
            return sum(1 for p in fake.posted if p["channel"] == dm_channel(user) and INVITATION in p["text"])

        await fake.wait_until(lambda: all(invited(u) == 1 for u in ("UBOB", "UCAROL", "UDAN")), 30)
        log = service.bot.log
    assert len(re.findall(r" ERROR .*im:write", log)) == 1, log[-3000:]
