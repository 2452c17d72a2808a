"""Slack's Web API for the bot: the client (429s and dropped connections retried inside the call), its
errors as the engine's delivery errors, and `SlackSender`, which posts DMs and makes the bot's other calls."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import aiohttp
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from adapters import slack_blocks as blocks
from bot.errors import DeliveryError, Permanent, RateLimited, Transient, Unreachable
from bot.messages import Address, Outbound
from bot.settings import Settings

log = logging.getLogger(__name__)
BULK_PURPOSES = frozenset({"invitation", "reminder"})
BOT_TOKEN_HINT = "Copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page."
UNREACHABLE = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "messages_tab_disabled",
        "user_not_visible",
        "restricted_action",
        "team_access_not_granted",
    }
)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited", "message_limit_exceeded"})
TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)


# ---- Web API client and errors ---------------------------------------------------------------------


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(float(value), 0.0)
            except ValueError:
                break
    return 1.0


# Set while a paced bulk message (invitation, reminder) is being sent: its 429s go back to the outbox.
_BULK_SEND: contextvars.ContextVar[bool] = contextvars.ContextVar("slack_bulk_send", default=False)


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Waits out a 429 inside the call when Slack asks for a short pause; a long one goes back to the
    outbox as `RateLimited`, so one slow conversation does not hold up the others.

    Bulk messages are never retried inside the call: a retry there would bypass the pacer, add to the
    burst that drew the 429, and hold a sending slot while it waits. The outbox puts the row back, and it
    goes out later through the pacer like any other.
    """

    def __init__(self, max_retry_count: int = 2, max_wait: float = 10.0):
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(self, *, state, request, response=None, error=None) -> bool:  # type: ignore[no-untyped-def]
        if response is None or response.status_code != 429 or _BULK_SEND.get():
            return False
        return _retry_after(response.headers) <= self.max_wait


def make_client(settings: Settings, *, token: str | None = None) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL as base, 429s and dropped connections retried inside the call."""
    handlers: list[AsyncRetryHandler] = [
        AsyncConnectionErrorRetryHandler(
            max_retry_count=2, interval_calculator=BackoffRetryIntervalCalculator(backoff_factor=0.25)
        ),
        ShortRateLimitRetry(),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]
    base_url = (
        settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    )
    return AsyncWebClient(
        token=token or secret_value(settings.slack_bot_token), base_url=base_url, retry_handlers=handlers
    )


def classify(exc: SlackApiError) -> DeliveryError:
    """A Slack API error as one of the platform-neutral delivery errors."""
    response = exc.response
    data = response.data if isinstance(response.data, dict) else {}
    error = str(data.get("error") or f"HTTP {response.status_code}")
    if response.status_code == 429 or error in RATE_LIMITED:
        return RateLimited(_retry_after(response.headers or {}), f"Slack: {error}")
    if error in UNREACHABLE:
        return Unreachable(f"Slack: {error}")
    if response.status_code >= 500 or error in TRANSIENT:
        return Transient(f"Slack: {error}")
    return Permanent(f"Slack: {error}")


@contextlib.contextmanager
def delivery_errors() -> Iterator[None]:
    """Re-raise slack_sdk and network failures as `bot.errors.DeliveryError`s."""
    try:
        yield
    except SlackApiError as exc:
        raise classify(exc) from exc
    except (aiohttp.ClientError, TimeoutError, SlackClientError) as exc:
        raise Transient(f"Slack unreachable: {type(exc).__name__}: {exc}") from exc


# ---- sending ---------------------------------------------------------------------------------------


class Pacer:
    """Spaces calls evenly at `per_second`; each caller waits for its own slot."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second
        self._next = 0.0

    async def wait(self) -> None:
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SlackSender:
    """Delivers `Outbound`s as DMs (the `bot.messages.Sender` protocol) and makes the bot's other calls.

    `bulk_per_second` paces invitations and reminders per workspace: each may need a conversations.open,
    a Tier 3 method (about 50 calls a minute), so the default stays just under that.
    """

    def __init__(self, client: AsyncWebClient, *, bulk_per_second: float = 0.8):
        self.client = client
        self.bulk_per_second = bulk_per_second
        self._dms: dict[tuple[str, str], str] = {}
        self._pacers: dict[str, Pacer] = {}
        self._posted: dict[str, list[str]] = {}  # outbound key -> ts of the pieces already posted

    def remember_dm(self, who: Address, channel: str | None) -> None:
        """Note a DM channel seen in an event, saving a conversations.open later."""
        if channel and channel.startswith("D"):
            self._dms[(who.workspace, who.user_id)] = channel

    async def open_dm(self, who: Address) -> str:
        key = (who.workspace, who.user_id)
        if key not in self._dms:
            with delivery_errors():
                response = await self.client.conversations_open(users=who.user_id)
            self._dms[key] = response["channel"]["id"]
        return self._dms[key]

    async def send(self, message: Outbound) -> str:
        """Post the message (split if long; buttons on the last piece) and return the last piece's ts."""
        bulk = message.purpose in BULK_PURPOSES
        if bulk:
            pacer = self._pacers.setdefault(message.to.workspace, Pacer(self.bulk_per_second))
            await pacer.wait()
        marker = _BULK_SEND.set(bulk)
        try:
            return await self._post(message)
        finally:
            _BULK_SEND.reset(marker)

    async def _post(self, message: Outbound) -> str:
        channel = await self.open_dm(message.to)
        # A retry after a failure half-way through a split message resumes after the pieces that went out.
        posted = self._posted.setdefault(message.key, [])
        try:
            for post in blocks.render(message)[len(posted) :]:
                with delivery_errors():
                    response = await self.client.chat_postMessage(
                        channel=channel,
                        text=post.text,
                        blocks=post.blocks,
                        unfurl_links=False,
                        unfurl_media=False,
                    )
                posted.append(response["ts"])
        except (Unreachable, Permanent):
            self._posted.pop(message.key, None)
            raise
        del self._posted[message.key]
        return posted[-1]

    async def mark_answered(self, message_id: str, message: Outbound, answer_label: str) -> None:
        """Replace the buttons of an answered message with the answer given."""
        channel = await self.open_dm(message.to)
        post = blocks.answered(message, answer_label)
        with delivery_errors():
            await self.client.chat_update(channel=channel, ts=message_id, text=post.text, blocks=post.blocks)

    async def upload_file(
        self,
        who: Address,
        filename: str,
        content: bytes | str,
        *,
        title: str | None = None,
        comment: str | None = None,
    ) -> str:
        """Send a file to the person's DM (files_upload_v2); return the file id."""
        channel = await self.open_dm(who)
        with delivery_errors():
            response = await self.client.files_upload_v2(
                channel=channel,
                filename=filename,
                content=content,
                title=title or filename,
                initial_comment=comment,
            )
        return str(response["file"]["id"])

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        with delivery_errors():
            await self.client.views_publish(user_id=user_id, view=view)

    # ---- cohorts (the `bot.cohorts.Directory` protocol) ------------------------------------------

    async def channel_members(self, workspace: str, channel: str) -> list[str]:
        """Every member id of a channel (conversations.members, all pages)."""
        members: list[str] = []
        cursor: str | None = None
        while True:
            with delivery_errors():
                response = await self.client.conversations_members(channel=channel, cursor=cursor, limit=200)
            members += list(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members

    async def user_timezone(self, workspace: str, user_id: str) -> str | None:
        """The person's IANA zone from their Slack profile (users.info `tz`)."""
        with delivery_errors():
            response = await self.client.users_info(user=user_id)
        user = response.get("user") or {}
        return None if user.get("is_bot") or user.get("deleted") else user.get("tz")

    async def post_to_channel(self, workspace: str, channel: str, message: Outbound) -> str:
        """Post a message (e.g. a study invitation with its button) in a channel; return its ts."""
        ts = ""
        for post in blocks.render(message):
            with delivery_errors():
                response = await self.client.chat_postMessage(
                    channel=channel, text=post.text, blocks=post.blocks, unfurl_links=False
                )
            ts = response["ts"]
        return ts

    async def update_in_channel(
        self, workspace: str, channel: str, message_id: str, message: Outbound
    ) -> None:
        """Replace a channel post's content in place (chat.update), e.g. its participant count."""
        post = blocks.render(message)[-1]
        with delivery_errors():
            await self.client.chat_update(channel=channel, ts=message_id, text=post.text, blocks=post.blocks)


def secret_value(value: SecretStr | None) -> str:
    return value.get_secret_value() if value else ""
