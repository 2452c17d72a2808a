"""`SlackSender`: posts participants' DMs (split long texts, Block Kit buttons), shows answers on clicked
messages, deletes the bot's messages after a withdrawal, uploads exports and publishes the Home tab, each
with the bot token of the person's workspace. Invitations and reminders are paced per workspace, and so
are deletions; replies never wait behind them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.client import (
    BULK_SEND,
    delivery_errors,
    secret_value,
)
from adapters.slack.directory import SlackDirectory, Tokens
from bot.errors import Permanent, RateLimited, Unreachable
from bot.interview.locales import ENGLISH
from bot.interview.texts import Texts
from bot.messages import ANSWERED, Address, Outbound

log = logging.getLogger(__name__)
RESEND_LOOKBACK = 600.0  # seconds of a DM's history searched for an interrupted attempt's message
# chat.delete is Tier 3, "50+ per minute", counted per method per workspace per app
# (https://api.slack.com/methods/chat.delete, "Rate limits: Tier 3";
# https://docs.slack.dev/apis/web-api/rate-limits): 0.95 of it, as the bulk pace, so that calls arriving
# at Slack a little bunched never make 51 in a minute
DELETES_PER_MINUTE = 47
# A participant's fixed texts, from their address and the interview a message belongs to
# (`bot.records.overview.participant_texts`)
TextsOf = Callable[[Address, int | None], Awaitable[Texts]]


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


class Allowance:
    """At most `per_minute` calls in any 60 seconds, as Slack counts a method's tier. `take(n)` counts n
    calls now, or raises RateLimited with the wait until n fit: the caller's row goes back to the outbox
    for that long instead of holding its claim and a sending slot while it waits (a full minute's wait
    would outlast the claim's lease)."""

    def __init__(self, per_minute: int, window: float = 60.0):
        self.per_minute, self.window = per_minute, window
        self._calls: deque[float] = deque()  # monotonic times of the calls of the last window

    def take(self, count: int = 1) -> None:
        now = time.monotonic()
        while self._calls and now - self._calls[0] >= self.window:
            self._calls.popleft()
        count = min(count, self.per_minute)
        over = len(self._calls) + count - self.per_minute
        if over > 0:  # the `over` oldest calls must leave the window first
            raise RateLimited(self._calls[over - 1] + self.window - now, "chat.delete paced")
        self._calls.extend([now] * count)


class SlackSender(SlackDirectory):
    """Delivers `Outbound`s as DMs (the `bot.messages.Sender` protocol) and makes the bot's other calls.

    `bulk_per_second` paces invitations and reminders per workspace: each may need a conversations.open,
    a Tier 3 method (about 50 calls a minute), so the default stays just under that.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        bulk_per_second: float = 0.8,
        tokens: Tokens | None = None,
        texts_of: TextsOf | None = None,
    ):
        super().__init__(client, tokens)
        self.bulk_per_second = bulk_per_second
        self.texts_of = texts_of  # None: the adapter's own words are English
        self._dms: dict[tuple[str, str], str] = {}
        self._pacers: dict[str, Pacer] = {}
        self._deletions: dict[str, Allowance] = {}  # workspace -> its chat.delete calls of the last minute
        self._posted: dict[str, list[str]] = {}  # outbound key -> ts of the pieces already posted

    def remember_dm(self, who: Address, channel: str | None) -> None:
        """Note a DM channel seen in an event, saving a conversations.open later."""
        if isinstance(channel, str) and channel.startswith("D"):
            self._dms[(who.workspace, who.user_id)] = channel

    def forget_workspace(self, workspace: str) -> None:
        """Drop what is cached for a workspace that uninstalled the app."""
        self._dms = {k: v for k, v in self._dms.items() if k[0] != workspace}

    async def open_dm(self, who: Address) -> str:
        key = (who.workspace, who.user_id)
        if key not in self._dms:
            auth = await self.auth(who.workspace)
            with delivery_errors():
                response = await self.client.conversations_open(users=who.user_id, **auth)
            self._dms[key] = response["channel"]["id"]
        return self._dms[key]

    async def send(self, message: Outbound) -> str:
        """Post the message (split if long; buttons on the last piece) and return the last piece's ts."""
        bulk = message.bulk
        if bulk:
            pacer = self._pacers.setdefault(message.to.workspace, Pacer(self.bulk_per_second))
            await pacer.wait()
        marker = BULK_SEND.set(bulk)
        try:
            return await self._post(message)
        finally:
            BULK_SEND.reset(marker)

    async def _post(self, message: Outbound) -> str:
        channel = await self.open_dm(message.to)
        auth = await self.auth(message.to.workspace)
        texts = await self._texts(message)
        if message.resend:  # Slack has no idempotency key: look whether the interrupted attempt got through
            earlier = await self._posted_before(
                message.to.workspace, channel, blocks.render(message, texts)[-1].text
            )
            if earlier is not None:
                return earlier
        # A retry after a failure half-way through a split message resumes after the pieces that went out.
        posted = self._posted.setdefault(message.key, [])
        try:
            for post in blocks.render(message, texts)[len(posted) :]:
                with delivery_errors():
                    response = await self.client.chat_postMessage(
                        channel=channel,
                        text=post.text,
                        blocks=post.blocks,
                        unfurl_links=False,
                        unfurl_media=False,
                        **auth,
                    )
                posted.append(response["ts"])
        except (Unreachable, Permanent):
            self._posted.pop(message.key, None)
            raise
        del self._posted[message.key]
        return " ".join(posted)  # every piece's ts: a withdrawal deletes them all; buttons are on the last

    async def _texts(self, message: Outbound) -> Texts:
        """The participant's fixed texts, read only for a message shown with numbered options (a choice
        too long for a button, which is rare): the one DM with words of the adapter's own."""
        if self.texts_of is None or not blocks.numbered(message):
            return ENGLISH
        try:
            return await self.texts_of(message.to, message.interview_id)
        except Exception as exc:  # the database is away for a moment: the line under the options is English
            log.warning("slack: the participant's language could not be read (%s)", type(exc).__name__)
            return ENGLISH

    async def _posted_before(self, workspace: str, channel: str, text: str) -> str | None:
        """The ts of a bot message with exactly this text in the DM's last few minutes, if any."""
        since = f"{time.time() - RESEND_LOOKBACK:.6f}"
        try:
            recent = await self.history_after(workspace, channel, since)
        except Unreachable:
            raise
        except Exception as exc:  # cannot tell: sending again beats losing the reply
            log.warning("slack: could not check whether an interrupted reply went out: %s", exc)
            return None
        mine = [m for m in recent if m.get("bot_id") and m.get("text") == text]
        return str(mine[-1]["ts"]) if mine else None

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        """Replace the buttons of an answered message with the answer given, after `note`."""
        channel = await self.open_dm(message.to)
        post = blocks.answered(message, answer_label, note)
        auth = await self.auth(message.to.workspace)
        with delivery_errors():
            await self.client.chat_update(
                channel=channel, ts=message_id.split()[-1], text=post.text, blocks=post.blocks, **auth
            )

    async def delete(self, to: Address, message_id: str) -> None:
        """Delete a message the bot posted in the DM (chat.delete), every piece of a split one. Within
        the workspace's chat.delete allowance: past it, RateLimited before any call (all pieces of a
        message are counted at once, so a message is never left half deleted to wait)."""
        pieces = message_id.split()
        allowance = self._deletions.setdefault(to.workspace, Allowance(DELETES_PER_MINUTE))
        allowance.take(len(pieces))
        channel = await self.open_dm(to)
        auth = await self.auth(to.workspace)
        marker = BULK_SEND.set(True)  # a 429 goes back to the outbox, not waited out inside the call
        try:
            for ts in pieces:
                with delivery_errors():
                    try:
                        await self.client.chat_delete(channel=channel, ts=ts, **auth)
                    except SlackApiError as exc:
                        if exc.response.get("error") != "message_not_found":  # gone already: done
                            raise
        finally:
            BULK_SEND.reset(marker)

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
        auth = await self.auth(who.workspace)
        with delivery_errors():
            response = await self.client.files_upload_v2(
                channel=channel,
                filename=filename,
                content=content,
                title=title or filename,
                initial_comment=comment,
                **auth,
            )
        return str(response["file"]["id"])

    async def publish_home(self, workspace: str, user_id: str, view: dict[str, Any]) -> None:
        auth = await self.auth(workspace)
        with delivery_errors():
            await self.client.views_publish(user_id=user_id, view=view, **auth)


def require_setting(value: SecretStr | None, name: str, hint: str) -> None:
    """Stop at once, naming the variable and where to find its value, when a needed secret is unset."""
    if not secret_value(value):
        raise SystemExit(f"{name} is not set. {hint} Set it in the environment or .env; see docs/slack.md.")
