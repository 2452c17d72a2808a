"""Slack's side of HTTP mode for tests: signed events, button clicks and slash commands.

Requests are signed the way Slack signs them: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`
keyed with the app's signing secret, sent as X-Slack-Signature with X-Slack-Request-Timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.support.fakes.slack_api import BOT_USER, TEAM, FakeSlack, dm_channel, dm_event
from tests.support.fakes.slack_rules import subscribed

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def signature(secret: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    secret: str, body: str, content_type: str = JSON, timestamp: int | None = None
) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(secret, timestamp, body),
    }


class SlackPoster:
    """Sends what Slack would send to the app at `url`, signed with `secret`. Use inside `async with`."""

    def __init__(self, url: str, secret: str, *, team: str = TEAM, fake: FakeSlack | None = None):
        self.url = url
        self.secret = secret
        self.team = team
        self.fake = fake  # when given, DMs are kept in the fake's history, as Slack keeps them
        self._n = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self.answer_headers: dict[str, str] = {}  # the headers of the answer to the last `post`

    async def __aenter__(self) -> SlackPoster:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def post(
        self,
        body: str,
        content_type: str = JSON,
        *,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        assert self._session is not None, "use SlackPoster inside `async with`"
        all_headers = {**signed_headers(secret or self.secret, body, content_type), **(headers or {})}
        async with self._session.post(self.url, data=body.encode(), headers=all_headers) as response:
            self.answer_headers = dict(response.headers)
            return response.status, await response.text()

    # -- Events API ---------------------------------------------------------------------------------

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> str:
        if not subscribed(event):
            raise AssertionError(
                f"Slack does not send {event.get('type')!r}: the manifest does not subscribe to it"
            )
        n = next(self._n)
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": self.team,
                "api_app_id": "AFAKE",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{n:08d}{uuid.uuid4().hex[:6].upper()}",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "team_id": self.team,
                        "user_id": BOT_USER,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        )

    def message_event(self, user: str, text: str, *, files: int = 0, **extra: Any) -> dict[str, Any]:
        """A DM event; the text is escaped the way Slack escapes what people type."""
        if self.fake is not None:  # kept in the DM's history, as Slack keeps it
            event = self.fake.user_message(user, text, team=self.team, **extra)
        else:
            event = dm_event(user, text, self.team, f"{time.time():.6f}", **extra)
        if files:
            event["subtype"] = "file_share"
            event["files"] = [{"id": f"F{i}", "name": f"photo{i}.png"} for i in range(files)]
        return event

    async def message(
        self,
        user: str,
        text: str,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        files: int = 0,
        **extra: Any,
    ) -> tuple[int, str]:
        """A DM from `user`; `retry_num` adds Slack's retry headers. Returns (status, response text)."""
        body = self.event_body(self.message_event(user, text, files=files, **extra), event_id)
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return await self.post(body, headers=headers)

    def _acts(self, user: str) -> None:
        """Whoever opens the app, clicks or types a command is a person of the fake's workspace."""
        if self.fake is not None:
            self.fake.member(user, team=self.team)

    def home_body(self, user: str) -> str:
        self._acts(user)
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": dm_channel(user),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        return self.event_body(event)

    async def home_opened(self, user: str) -> tuple[int, str]:
        return await self.post(self.home_body(user))

    # -- interactivity and commands ----------------------------------------------------------------

    def click_body(
        self, user: str, message: dict[str, Any], label: str, response_url: str | None = None
    ) -> str:
        """The block_actions payload of `user` clicking the button labelled `label` on a posted message
        (`message`: the chat.postMessage arguments the fake recorded, with their ts)."""
        self._acts(user)
        buttons = [
            (block, element)
            for block in message.get("blocks") or []
            if block.get("type") == "actions"
            for element in block["elements"]
        ]
        matches = [(b, e) for b, e in buttons if e["text"]["text"] == label]
        assert matches, f"no button {label!r}; buttons: {[e['text']['text'] for _, e in buttons]}"
        block, button = matches[0]
        channel = message["channel"]
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": self.team},
            "api_app_id": "AFAKE",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"{next(self._n)}.trigger",
            "team": {"id": self.team, "domain": "fake"},
            "channel": {"id": channel, "name": "directmessage"},
            "message": {
                "type": "message",
                "ts": message["ts"],
                "text": message.get("text", ""),
                "blocks": message.get("blocks"),
            },
            "response_url": response_url or "https://hooks.slack.invalid/actions/unused",
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": block.get("block_id", "b"),
                    "text": button["text"],
                    "value": button.get("value"),
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)})

    async def click(
        self, user: str, message: dict[str, Any], label: str, response_url: str | None = None
    ) -> tuple[int, str]:
        return await self.post(self.click_body(user, message, label, response_url), FORM)

    async def command(self, user: str, text: str, response_url: str) -> tuple[int, str]:
        """`/interviewer {text}` (`text` as Slack sends it); the reply goes to `response_url`."""
        return await self.post(self.command_body(user, text, response_url), FORM)

    def command_body(self, user: str, text: str, response_url: str) -> str:
        self._acts(user)
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": self.team,
                "team_domain": "fake",
                "channel_id": "CGENERAL",
                "channel_name": "general",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/interviewer",
                "text": text,
                "api_app_id": "AFAKE",
                "is_enterprise_install": "false",
                "response_url": response_url,
                "trigger_id": f"{next(self._n)}.trigger",
            }
        )
