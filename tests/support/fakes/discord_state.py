"""The fake Discord's state (users, channels, messages, interactions) and the events tests make
happen in it (a DM written, a button clicked, a slash command), as Discord's payloads. `FakeDiscord`
(`tests.support.fakes.discord_api`) is what tests use."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fakes.discord_gateway import Gateway
from tests.support.fakes.discord_rules import (
    Bucket,
    now,
)

API = "/api/v10"
CANNOT_DM = {"message": "Cannot send messages to this user", "code": 50007}
_BODY = web.RequestKey("body", object)


@dataclass(frozen=True)
class Recorded:
    """One REST request as received: the path is without the /api/v10 prefix."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int
    global_limit: bool = False  # a 429 of the global rate limit: every request waits out its retry_after


class DiscordState(Gateway):
    """Everything the fake holds, and the events a test makes happen."""

    def __init__(self, *, token: str = "fake-bot-token", heartbeat_ms: int = 41250, host: str = "127.0.0.1"):
        self.token = token
        self.host = host
        self.port = 0
        self.heartbeat_ms = heartbeat_ms
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self.application_id = self.new_id()
        self.bot = self._user_payload(self.application_id, "interviewer-bot", bot=True)
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}  # channel id -> channel payload
        self.dms: dict[str, str] = {}  # user id -> DM channel id
        self.messages: dict[str, dict[str, Any]] = {}  # message id -> current payload, insertion ordered
        self.requests: list[Recorded] = []
        self.uploads: list[dict[str, Any]] = []  # attachments the bot sent, with their bytes
        self.callbacks: list[dict[str, Any]] = []  # interaction callbacks: {"interaction": id, "body": ...}
        self.followups: list[dict[str, Any]] = []  # webhook posts and edits made with interaction tokens
        self.commands: list[dict[str, Any]] = []
        self.guilds: dict[str, dict[str, Any]] = {}  # guild id -> {"name"}: servers the bot is in
        self.closed_dms: set[str] = set()
        # guild channels whose permission overrides deny the bot Send Messages: Create Message there is
        # refused 403 code 50013 Missing Permissions (https://discord.com/developers/docs/resources/message#create-message
        # "requires the SEND_MESSAGES permission"; codes: topics/opcodes-and-status-codes#json)
        self.no_send: set[str] = set()
        self.roles: dict[str, list[dict[str, Any]]] = {}  # guild id -> its roles
        self.members: dict[str, list[dict[str, Any]]] = {}  # guild id -> member payloads, by user id
        self.members_intent = False  # the Server Members intent, switched on in the developer portal
        self.faults: list[Fault] = []
        self.global_until = 0.0  # time.monotonic() when a global rate limit ends (discord_rules.global_limit)
        self.global_refused: list[Recorded] = []  # requests made while it held, each refused with a 429
        self._interactions: dict[str, dict[str, Any]] = {}  # id -> {"token", "channel_id", "acked", ...}
        self._nonces: dict[tuple[str, str], tuple[str, float]] = {}
        # opening a DM: a small bucket, so pacing and discord.py's handling of the headers are exercised
        self.dm_open = Bucket("dm-open", limit=5, per=1.0)
        self.message_delete = Bucket("message-delete", limit=5, per=1.0)  # discord_rules, CANNOT_IN_DM
        self.deleted: list[str] = []  # ids of the messages deleted, in order
        self.slow: list[tuple[str, str, float]] = []
        self.slowed = asyncio.Event()  # set when a slowed request has been carried out
        self.late_responses: list[str] = []  # interactions answered after the 3-second deadline
        self._init_gateway()
        self._runner: web.AppRunner | None = None

    def new_id(self) -> str:
        return str(next(self._ids))

    def user(self, user_id: str | int | None = None, name: str = "member") -> dict[str, Any]:
        """A (known) Discord user; created on first use."""
        uid = str(user_id) if user_id is not None else self.new_id()
        if uid not in self.users:
            self.users[uid] = self._user_payload(uid, name)
        return self.users[uid]

    def dm_channel_id(self, user_id: str | int) -> str:
        uid = str(user_id)
        if uid not in self.dms:
            channel = {
                "id": self.new_id(),
                "type": 1,
                "last_message_id": None,
                "recipients": [self.user(uid)],
            }
            self.channels[channel["id"]] = channel
            self.dms[uid] = channel["id"]
        return self.dms[uid]

    def message_create(
        self, user_id: str | int, content: str, *, attachments: int = 0, message_id: str | None = None
    ) -> dict[str, Any]:
        """A MESSAGE_CREATE payload: `user_id` writes `content` in their DM with the bot."""
        files = [
            {
                "id": self.new_id(),
                "filename": f"file{i}.png",
                "size": 10,
                "url": "https://cdn.invalid/f",
                "proxy_url": "https://cdn.invalid/f",
                "content_type": "image/png",
            }
            for i in range(attachments)
        ]
        return self._message_payload(
            self.dm_channel_id(user_id), self.user(user_id), content, message_id=message_id, attachments=files
        )

    async def say(self, user_id: str | int, content: str, **kw: Any) -> dict[str, Any]:
        payload = self.say_offline(user_id, content, **kw)
        await self.dispatch("MESSAGE_CREATE", payload)
        return payload

    def say_offline(self, user_id: str | int, content: str, **kw: Any) -> dict[str, Any]:
        """A DM written while no session listens: kept in the channel, never dispatched (Discord does
        not replay it to the next session)."""
        payload = self.message_create(user_id, content, **kw)
        self.messages[payload["id"]] = payload
        return payload

    def component_interaction(
        self, user_id: str | int, message: dict[str, Any], custom_id: str
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for a button click on `message` (a DM or a server message)."""
        data = self._interaction_base(user_id, 3, message["channel_id"])
        data["data"] = {"custom_id": custom_id, "component_type": 2}
        data["message"] = message
        self._interactions[data["id"]]["message_id"] = message["id"]
        return data

    async def click(
        self, user_id: str | int, message_id: str, *, label: str | None = None, custom_id: str | None = None
    ) -> dict[str, Any]:
        """Click the enabled button with `label` (or `custom_id`) on a message, as it looks now."""
        message = self.messages[message_id]
        buttons = [c for row in message.get("components", []) for c in row.get("components", [])]
        button = next(
            (
                b
                for b in buttons
                if (label is not None and b.get("label") == label)
                or (custom_id is not None and b.get("custom_id") == custom_id)
            ),
            None,
        )
        if button is None:
            raise AssertionError(f"no button {label or custom_id!r} on message {message_id}: {buttons}")
        if button.get("disabled"):
            raise AssertionError(
                f"button {button['custom_id']!r} is disabled; Discord would not deliver a click"
            )
        payload = self.component_interaction(user_id, message, button["custom_id"])
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    def command_interaction(
        self,
        user_id: str | int,
        name: str,
        subcommand: str,
        *,
        channel_id: str | None = None,
        **options: str | bool,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload for `/name subcommand option:value ...` (in a server by default)."""
        channel_id = channel_id or self.guild_channel()["id"]
        data = self._interaction_base(user_id, 2, channel_id)
        command = next((c for c in self.commands if c["name"] == name), None)
        data["data"] = {
            "id": command["id"] if command else self.new_id(),
            "name": name,
            "type": 1,
            "options": [
                {
                    "name": subcommand,
                    "type": 1,
                    # option types: 3 string, 5 boolean (application commands, option types)
                    "options": [
                        {"name": k, "type": 5 if isinstance(v, bool) else 3, "value": v}
                        for k, v in options.items()
                    ],
                }
            ],
        }
        return data

    async def slash(self, user_id: str | int, name: str, subcommand: str, **options: str) -> dict[str, Any]:
        payload = self.command_interaction(user_id, name, subcommand, **options)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def post_as_bot(self, channel_id: str, content: str, components: list[Any]) -> dict[str, Any]:
        """Store a message as if the bot had posted it earlier (e.g. an invitation from another process)."""
        payload = self._message_payload(channel_id, self.bot, content, components=components)
        self.messages[payload["id"]] = payload
        return payload

    def _user_payload(self, user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": user_id,
            "username": name,
            "discriminator": "0",
            "global_name": name.title(),
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    def _message_payload(
        self,
        channel_id: str,
        author: dict[str, Any],
        content: str,
        *,
        message_id: str | None = None,
        components: list[Any] | None = None,
        attachments: list[Any] | None = None,
        nonce: Any = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": message_id or self.new_id(),
            "channel_id": channel_id,
            "author": author,
            "content": content,
            "timestamp": now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": flags,
            "components": components or [],
        }
        if nonce is not None:
            payload["nonce"] = nonce
        channel = self.channels.get(channel_id)
        if channel and channel.get("guild_id"):
            payload["guild_id"] = channel["guild_id"]
        return payload

    def _interaction_base(self, user_id: str | int, kind: int, channel_id: str) -> dict[str, Any]:
        user = self.user(user_id)
        channel = self.channels[channel_id]
        interaction_id, token = self.new_id(), secrets.token_urlsafe(24)
        data: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": channel_id,
            "channel": channel,
            "locale": "en-US",
            "app_permissions": "0",
            "entitlements": [],
            "attachment_size_limit": 10_485_760,
        }
        if channel.get("guild_id"):
            gid = channel["guild_id"]
            data.update(
                guild_id=gid,
                guild={"id": gid, "locale": "en-US", "features": []},
                context=0,
                authorizing_integration_owners={"0": gid},
                member={
                    "user": user,
                    "roles": [],
                    "joined_at": now(),
                    "permissions": "2248473465835073",
                    "flags": 0,
                    "deaf": False,
                    "mute": False,
                    "nick": None,
                    "avatar": None,
                },
            )
        else:
            data.update(user=user, context=1, authorizing_integration_owners={"0": "0"})
        self._interactions[interaction_id] = {
            "id": interaction_id,
            "token": token,
            "type": kind,
            "channel_id": channel_id,
            "acked": False,
            "created": time.monotonic(),
        }
        return data

    def age_interaction(self, interaction_id: str, seconds: float) -> None:
        """Let `seconds` pass for an interaction's token (e.g. past its 15 minutes)."""
        self._interactions[interaction_id]["created"] -= seconds

    def _by_token(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self._interactions.values() if i["token"] == token), None)
