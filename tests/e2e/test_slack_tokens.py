"""Slack tokens as `interviewer run --slack` meets them: a token Slack refuses stops the bot at start with
what to do, and a moment when Slack cannot confirm the token loses no event (Slack sends it again)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.test_slack import slack_service
from tests.support.fakes.bot_process import BotProcess, free_port
from tests.support.fakes.slack_api import FakeSlack
from tests.support.fakes.slack_service import slack_env
from tests.support.fakes.slack_socket import SocketMode


@pytest.mark.parametrize("fault", ["internal_error", "ratelimited"])
async def test_an_event_that_arrives_while_slack_cannot_confirm_the_token_is_answered_on_its_retry(
    tmp_path: Path, fault: str
) -> None:
    """auth.test answers internal_error (or 429 with Retry-After: 5) for Alice's first message: the bot
    answers 500 at once, so Slack sends the event again (https://docs.slack.dev/apis/events-api/#retries),
    and the retry is answered once (so the 500 carries no `X-Slack-No-Retry`). Waiting out the 429 inside the request would answer after Slack's
    3-second limit."""
    async with slack_service(tmp_path) as service:
        if fault == "ratelimited":
            service.fake.rate_limit_next("auth.test", retry_after=5)
        else:
            service.fake.fail_next("auth.test", fault)
        body = service.poster.event_body(service.poster.message_event("UALICE", "hi"))
        assert (await service.poster.post(body))[0] == 500
        assert "X-Slack-No-Retry" not in service.poster.answer_headers, "a retry is what helps here"
        alice = service.person("UALICE")
        assert alice.posts == []
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
        assert (await service.poster.post(body, headers=retry))[0] == 200
        await service.fake.wait_until(lambda: len(alice.posts) == 1, 15)
        await asyncio.sleep(1)
        assert len(alice.posts) == 1 and "Do you agree" in alice.posts[0]["text"]
        log = service.bot.log
    assert "Traceback" not in log and "token` will be unused" not in log and "will be ignored" not in log


async def _exits(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    bot = BotProcess(tmp_path, env, "--slack", *args)
    await bot.start()
    code = await asyncio.wait_for(bot.wait_exit(), 60)
    return code, bot.log


async def test_a_bot_token_slack_refuses_stops_the_bot_at_start(tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        env = slack_env(tmp_path, fake, SLACK_BOT_TOKEN="xoxb-not-the-one")
        code, log = await _exits(tmp_path, env, "--http", "--host", "127.0.0.1", "--port", str(free_port()))
    assert code == 2
    assert "error: Slack refused SLACK_BOT_TOKEN (invalid_auth). Copy the Bot User OAuth Token" in log
    assert "xoxb-not-the-one" not in log and "listening" not in log
    assert " ERROR " not in log, "stopping closed the database after the tick it was running"


async def test_a_socket_mode_token_slack_refuses_stops_the_bot_instead_of_retrying_for_ever(
    tmp_path: Path,
) -> None:
    """apps.connections.open takes an app-level token; the bot token in its place is refused
    (not_allowed_token_type, https://docs.slack.dev/apis/events-api/using-socket-mode)."""
    fake = FakeSlack()
    SocketMode(fake)
    async with fake:
        env = slack_env(tmp_path, fake, SLACK_APP_TOKEN=fake.token)
        del env["SLACK_SIGNING_SECRET"]
        code, log = await _exits(tmp_path, env)
    assert code == 2
    assert (
        "error: Slack refused SLACK_APP_TOKEN (not_allowed_token_type). Socket Mode needs an App-Level" in log
    )
    assert "Retrying" not in log
    assert " ERROR " not in log


async def test_a_port_already_in_use_is_named_as_such(tmp_path: Path) -> None:
    import socket

    async with FakeSlack() as fake:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            env = slack_env(tmp_path, fake)
            code, log = await _exits(tmp_path, env, "--http", "--host", "127.0.0.1", "--port", str(port))
    assert code == 2
    assert "error: cannot listen there (" in log and "choose another --port" in log
    assert "a file" not in log and " ERROR " not in log


async def test_a_host_that_is_no_address_of_this_machine_is_named_as_such(tmp_path: Path) -> None:
    async with FakeSlack() as fake:  # 192.0.2.1 is TEST-NET-1: binding to it fails here, sending nothing
        code, log = await _exits(tmp_path, slack_env(tmp_path, fake), "--http", "--host", "192.0.2.1")
    assert code == 2
    assert "error: --host '192.0.2.1' is not a name or address of this machine" in log, log[-2000:]
    assert "SLACK_API_URL" not in log and " ERROR " not in log
