"""What Slack sends besides messages, clicks and commands, each answered as Slack's documentation asks:
the removal events the manifest subscribes to (also in a single-workspace app, over HTTP and Socket
Mode), Slack's `app_rate_limited` notice and the slash command's `ssl_check` probe."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.test_slack import slack_service
from tests.support.fakes.slack_api import BOT_USER, TEAM
from tests.support.fakes.slack_service import socket_mode_bot
from tests.support.slack_signing import FORM, SlackPoster


def _revoked() -> dict:
    """https://docs.slack.dev/reference/events/tokens_revoked: the revoked tokens' owners, by kind."""
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": [], "bot": [BOT_USER]},
        "event_ts": f"{time.time():.6f}",
    }


async def test_removal_events_are_answered_and_cancel_what_waits_to_go_out(tmp_path: Path) -> None:
    """https://docs.slack.dev/reference/events/app_uninstalled: a single-workspace app gets it too, and
    every event must be answered 200 (a 404 counts as a failed delivery, retried and held against the
    app). What waited to go out there is cancelled: the token is dead."""
    async with slack_service(tmp_path) as service:
        fake, poster = service.fake, service.poster
        fake.add_channel("CTEAM", "team", ["UBOB", "UCAROL"])
        organizer = service.person("UORGANIZER")
        invited = await organizer.command("invite pilot-study members:#team", "invite", typed=True)
        assert invited.startswith("2 invitation(s)"), invited
        assert (await poster.post(poster.event_body(_revoked())))[0] == 200
        assert (await poster.post(poster.event_body({"type": "app_uninstalled"})))[0] == 200
        log = service.bot.log
    assert "removed the app; 2 unsent message(s) cancelled" in log, log[-2000:]
    assert "install the app again" in log
    assert "Traceback" not in log


async def test_app_rate_limited_and_ssl_check_are_answered_200(tmp_path: Path) -> None:
    async with slack_service(tmp_path) as service:
        poster = service.poster
        # https://docs.slack.dev/reference/events/app_rate_limited: its own envelope, not an event_callback
        notice = {
            "token": "legacy-verification-token",
            "type": "app_rate_limited",
            "team_id": TEAM,
            "minute_rate_limited": int(time.time()) // 60 * 60,
            "api_app_id": "AFAKE",
        }
        assert (await poster.post(json.dumps(notice)))[0] == 200
        # https://docs.slack.dev/interactivity/implementing-slash-commands/: the certificate probe
        unsigned = {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}
        probe = "ssl_check=1&token=legacy-verification-token"
        assert (await poster.post(probe, FORM, headers=unsigned))[0] == 200
        assert (await poster.post("user=UALICE", FORM, headers=unsigned))[0] == 401  # the rest is refused
        log = service.bot.log
    assert "app_rate_limited" in log and "Traceback" not in log


async def test_a_socket_mode_removal_event_is_acknowledged(tmp_path: Path) -> None:
    """https://docs.slack.dev/apis/events-api/using-socket-mode: every envelope is acknowledged with its
    envelope_id, or Slack sends it again."""
    async with socket_mode_bot(tmp_path) as (fake, socket, bot):
        poster = SlackPoster("http://unused.invalid/", "unused", fake=fake)  # builds bodies only
        ack = await socket.push("events_api", json.loads(poster.event_body(_revoked())), retries=1)
        assert ack["envelope_id"]
    assert "removed the app;" in bot.log
