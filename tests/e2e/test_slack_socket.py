"""The Slack bot in Socket Mode as users start it (`interviewer run --slack` with an app-level token): it
opens a connection through apps.connections.open and acknowledges every envelope of the fake Slack."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.fakes.bot_process import BotProcess
from tests.support.fakes.slack_api import FakeSlack, dm_channel
from tests.support.fakes.slack_service import (
    ANSWERS,
    SlackPerson,
    buttons,
    consent_and_screen,
    home_text,
    slack_env,
    socket_mode_bot,
)
from tests.support.fakes.slack_socket import SocketMode
from tests.support.slack_signing import SlackPoster


async def test_socket_mode_runs_an_interview_commands_the_home_tab_and_a_reconnect(tmp_path: Path) -> None:
    fake = FakeSlack()
    socket = SocketMode(fake)
    async with fake:
        env = slack_env(tmp_path, fake, SLACK_APP_TOKEN=fake.app_token)
        del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs no signing secret
        bot = BotProcess(tmp_path, env, "--slack")
        await bot.start()
        try:
            await socket.connected()
            poster = SlackPoster("http://unused.invalid/", "unused", fake=fake)  # builds bodies only
            alice = SlackPerson(fake, poster, "UALICE", socket.deliver)
            await consent_and_screen(alice)
            reply = await alice.say(ANSWERS[0])
            assert reply is not None and reply["text"].endswith("?")
            view = home_text(await alice.open_home())
            assert "*Tools at work*" in view and "in progress" in view

            researcher = SlackPerson(fake, poster, "URESEARCH", socket.deliver)
            assert "Tools at work" in await researcher.command("status pilot-study", "status")
            assert "started" in await researcher.command("export pilot-study jsonl", "export")
            await fake.wait_until(lambda: bool(fake.uploads), 20)
            assert fake.uploads[0]["channel"] == dm_channel("URESEARCH")

            await socket.disconnect()  # Slack refreshes connections every few hours
            await socket.connected(count=2)
            reply = await alice.say(ANSWERS[1])
            assert reply is not None and reply["text"]
            opened = fake.calls_to("apps.connections.open")
            assert len(opened) >= 2 and all(c.error is None for c in opened)
            assert all(c.error is None for c in fake.calls), [c for c in fake.calls if c.error]
            assert buttons(alice.posts[0]) == ["Yes, I agree", "No, thanks"]
        finally:
            await bot.stop()
        assert "Socket Mode" in bot.log and ANSWERS[0][:30] not in bot.log


async def test_a_bot_token_cannot_open_a_socket_mode_connection() -> None:
    fake = FakeSlack()
    SocketMode(fake)
    async with fake:
        from slack_sdk.errors import SlackApiError
        from slack_sdk.web.async_client import AsyncWebClient

        client = AsyncWebClient(token=fake.token, base_url=fake.base_url)
        try:
            await client.apps_connections_open(app_token=fake.token)
        except SlackApiError as exc:
            assert exc.response["error"] == "not_allowed_token_type"
        else:
            raise AssertionError("a bot token opened a Socket Mode connection")
        await asyncio.sleep(0)


async def test_a_warning_disconnect_reconnects_and_link_disabled_stops_the_bot_saying_what_to_do(
    tmp_path: Path,
) -> None:
    """https://docs.slack.dev/apis/events-api/using-socket-mode: `warning` asks for a new connection
    before this one closes; `link_disabled` means Socket Mode was switched off in the app's settings, so
    the bot stops with what to fix instead of reconnecting silently for ever."""
    async with socket_mode_bot(tmp_path) as (fake, socket, bot):
        poster = SlackPoster("http://unused.invalid/", "unused", fake=fake)  # builds bodies only
        alice = SlackPerson(fake, poster, "UALICE", socket.deliver)
        await socket.disconnect("warning")
        await socket.connected(count=2)
        assert await alice.say("hi") is not None
        opened = len(fake.calls_to("apps.connections.open"))
        await socket.switch_off()
        assert bot.process is not None
        async with asyncio.timeout(20):
            status = await bot.process.wait()
        assert status == 2
        assert len(fake.calls_to("apps.connections.open")) == opened, "no new connection was asked for"
    assert "Socket Mode was switched off" in bot.log and "--http" in bot.log
    assert "Traceback" not in bot.log and "Failed to connect" not in bot.log


async def test_a_revoked_app_token_stops_the_bot_naming_the_token_while_a_busy_slack_is_waited_for(
    tmp_path: Path,
) -> None:
    """https://api.slack.com/methods/apps.connections.open: a Slack that cannot answer (`internal_error`,
    a 429) is asked again, while a token it refuses (`invalid_auth`) stops the bot (exit status 2) with
    one line naming SLACK_APP_TOKEN, instead of slack_sdk's "Failed to connect" every few seconds."""
    async with socket_mode_bot(tmp_path) as (fake, socket, bot):
        poster = SlackPoster("http://unused.invalid/", "unused", fake=fake)  # builds bodies only
        alice = SlackPerson(fake, poster, "UALICE", socket.deliver)
        fake.fail_next("apps.connections.open", "internal_error")
        fake.rate_limit_next("apps.connections.open", retry_after=1)
        await socket.drop()
        await socket.connected(count=2)
        errors = [c.error for c in fake.calls_to("apps.connections.open")]
        assert errors[-3:] == ["internal_error", "ratelimited", None]
        assert await alice.say("hi") is not None

        await socket.revoke_app_token()
        assert bot.process is not None
        async with asyncio.timeout(30):
            status = await bot.process.wait()
        assert status == 2
        refused = [c for c in fake.calls_to("apps.connections.open") if c.error == "invalid_auth"]
        assert len(refused) == 1, "the refused token was not tried again"
    lines = [
        line for line in bot.log.splitlines() if "SLACK_APP_TOKEN" in line and "connections:write" in line
    ]
    assert lines and "invalid_auth" in lines[0]
    assert fake.app_token not in bot.log and "Failed to connect" not in bot.log and "Traceback" not in bot.log
