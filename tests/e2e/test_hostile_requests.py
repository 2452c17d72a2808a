"""Requests of the wrong shape reaching the started bot: signed Slack bodies whose fields have the wrong
types, Socket Mode envelopes Bolt cannot take, and Discord gateway events discord.py cannot read. None
may end the process, write an ERROR line, go unanswered (Slack and Discord send again, or show the user
a failure) or keep the next ordinary message from being answered."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.test_discord import MEMBER, discord_service
from tests.e2e.test_slack import slack_service
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.fakes.slack_api import TEAM
from tests.support.fakes.slack_service import socket_mode_bot
from tests.support.slack_signing import FORM, JSON


def _message(**fields: object) -> dict[str, Any]:
    """https://docs.slack.dev/reference/events/message, with some fields of the wrong type."""
    event = {"type": "message", "channel": "DUX", "user": "UX", "text": "hi", "ts": f"{time.time():.6f}"}
    return {**event, "channel_type": "im", **fields}


def _event(event: object) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": TEAM, "event_id": f"Ev{time.time_ns()}", "event": event}


def _click(**fields: object) -> dict[str, Any]:
    payload = {"type": "block_actions", "user": {"id": "UX"}, "team": {"id": TEAM}}
    return {**payload, "actions": [{"action_id": "interviewer_choice_0", "value": "x"}], **fields}


WRONG_SHAPES = {
    "text a number": (json.dumps(_event(_message(text=5))), JSON),
    "text a list": (json.dumps(_event(_message(text=["hi"]))), JSON),
    "user an object": (json.dumps(_event(_message(user={"id": "UX"}))), JSON),
    "files a number": (json.dumps(_event(_message(subtype="file_share", files=3))), JSON),
    "event a list": (json.dumps(_event([1])), JSON),
    "actions a string": (urlencode({"payload": json.dumps(_click(actions="x"))}), FORM),
    "user a string": (urlencode({"payload": json.dumps(_click(user="UX"))}), FORM),
    "nested 100,000 deep": (
        '{"type": "event_callback", "event": ' + "[" * 100_000 + "]" * 100_000 + "}",
        JSON,
    ),
}


async def test_signed_slack_bodies_of_the_wrong_shape_are_refused_400_without_an_error(
    tmp_path: Path,
) -> None:
    """Each 400 carries `X-Slack-No-Retry: 1`: Slack would otherwise send the same body three more times
    ("Turning retries off", https://docs.slack.dev/apis/events-api/#retries)."""
    async with slack_service(tmp_path) as service:
        statuses, no_retry = {}, {}
        for name, (body, kind) in WRONG_SHAPES.items():
            statuses[name] = (await service.poster.post(body, kind))[0]
            no_retry[name] = service.poster.answer_headers.get("X-Slack-No-Retry")
        assert statuses == dict.fromkeys(WRONG_SHAPES, 400), statuses
        assert no_retry == dict.fromkeys(WRONG_SHAPES, "1"), no_retry
        assert (await service.poster.post('{"not json'))[0] == 400  # signed, no JSON at all
        assert service.poster.answer_headers.get("X-Slack-No-Retry") == "1"
        unknown = urlencode({"payload": json.dumps(_click(actions=[{"action_id": "zzz", "value": "v"}]))})
        assert (await service.poster.post(unknown, FORM))[0] == 200  # a button of no use: acknowledged
        assert await service.person("UALICE").say("hi") is not None  # still answering
        log = service.bot.log
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]


async def test_socket_mode_acknowledges_envelopes_of_the_wrong_shape(tmp_path: Path) -> None:
    """https://docs.slack.dev/apis/events-api/using-socket-mode: an envelope not acknowledged is sent again."""
    async with socket_mode_bot(tmp_path) as (_, socket, bot):
        for kind, payload in (
            ("events_api", _event(_message(text=5))),
            ("events_api", _event([1])),
            ("interactive", _click(actions=[{"action_id": "zzz", "value": "v"}])),
            ("interactive", _click(actions="x")),
        ):
            await socket.push(kind, payload, retries=0)  # AssertionError when not acknowledged
    assert " ERROR " not in bot.log, bot.log[-3000:]


def _no_content(fake: FakeDiscord) -> tuple[str, dict[str, Any]]:
    payload = fake.message_create("555", "hello")
    del payload["content"]
    return "MESSAGE_CREATE", payload


def _author_id_no_number(fake: FakeDiscord) -> tuple[str, dict[str, Any]]:
    payload = fake.message_create("556", "hello")
    payload["author"]["id"] = "abc"
    return "MESSAGE_CREATE", payload


def _click_without_custom_id(fake: FakeDiscord) -> tuple[str, dict[str, Any]]:
    payload = fake.component_interaction("557", fake.bot_messages(MEMBER)[0], "iv:1:consent:yes")
    del payload["data"]["custom_id"]
    return "INTERACTION_CREATE", payload


@pytest.mark.parametrize("make", [_no_content, _author_id_no_number, _click_without_custom_id])
async def test_a_discord_event_that_cannot_be_read_is_dropped_and_the_bot_goes_on(
    tmp_path: Path, make: Callable[[FakeDiscord], tuple[str, dict[str, Any]]]
) -> None:
    async with discord_service(tmp_path) as service:
        await service.say("hi")
        await service.fake.dispatch(*make(service.fake))
        await asyncio.sleep(1)
        service.bot.check_running()
        assert await service.say("yes")  # the next ordinary message is answered
        assert "could not be read" in service.bot.log


async def test_a_discord_command_that_cannot_be_read_is_answered(tmp_path: Path) -> None:
    async with discord_service(tmp_path) as service:
        ack, text = await service.fake.answer(
            await service.fake.slash(MEMBER, "interviewer", "frobnicate"), 10
        )
        assert ack["data"]["flags"] == 64 and text.startswith("I could not read that command"), (ack, text)
        assert " ERROR " not in service.bot.log, service.bot.log[-2000:]
