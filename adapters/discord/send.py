"""`Outbound`s as Discord DMs: text split to Discord's limits, persistent buttons, answered buttons
edited in place, files as attachments, invitation pacing, and errors in platform-neutral classes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import zipfile
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord

from adapters.discord.receive import DM_WORKSPACE
from adapters.discord.views import (
    MAX_CONTENT,
    NOT_NOW_LABEL,
    TAKE_PART_LABEL,
    answered_content,
    answered_view,
    choice_view,
    nonce_for,
    sanitize,
    split_text,
    take_part_view,
)
from bot.errors import DeliveryError, Permanent, RateLimited, Transient, Unreachable
from bot.messages import ANSWERED, Address, Outbound
from bot.outreach.cohorts import Profile

log = logging.getLogger(__name__)
CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed, bot blocked, or no shared server
UNKNOWN_USER = 10013
# "Invalid Recipient(s)" (JSON error codes, discord-api-docs topics/Opcodes_and_Status_Codes): the DM's
# recipient cannot be one, e.g. a user id that is no person's; no retry or later message reaches them.
INVALID_RECIPIENT = 50033
TOKEN_HINT = "reset it in the Developer Portal (Bot > Reset Token) and update DISCORD_TOKEN"
MISSING_ACCESS = 50001  # e.g. listing a server's members without the Server Members intent
MEMBERS_INTENT_OFF = (
    "Discord refused to list this server's members. Turn on the Server Members Intent (Developer "
    "Portal > your application > Bot > Privileged Gateway Intents), then run the command again."
)
NO_MENTIONS = discord.AllowedMentions.none()
ATTACHMENT_LIMIT = 10 * 1024 * 1024 - 64 * 1024  # Discord's default upload limit, less a margin


def attachment_parts(filename: str, data: bytes, limit: int = ATTACHMENT_LIMIT) -> list[tuple[str, bytes]]:
    """The attachments for a file: itself if it fits, else zipped, else the zip cut into numbered parts."""
    if len(data) <= limit:
        return [(filename, data)]
    if not filename.endswith((".zip", ".qdpx")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr(filename, data)
        filename, data = filename + ".zip", buffer.getvalue()
        if len(data) <= limit:
            return [(filename, data)]
    count = -(-len(data) // limit)
    return [(f"{filename}.{n + 1:03d}", data[n * limit : (n + 1) * limit]) for n in range(count)]


def token_refused(exc: BaseException) -> bool:
    """Discord refused the bot's token itself: 401 with code 0 ("401: Unauthorized",
    https://discord.com/developers/docs/reference#authentication), e.g. after Reset Token. An
    interaction's expired or wrong token is 401 too, with its own code (50027), and says nothing of the
    bot's token."""
    return isinstance(exc, discord.HTTPException) and exc.status == 401 and exc.code == 0


def delivery_error(exc: BaseException) -> DeliveryError | None:
    """The platform-neutral class for a discord.py or network failure; None if it is neither."""
    if isinstance(exc, discord.RateLimited):  # discord.py's own wait would exceed max_ratelimit_timeout
        return RateLimited(exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        if exc.code in (CANNOT_DM, UNKNOWN_USER, INVALID_RECIPIENT):
            return Unreachable(f"{exc.status} code {exc.code}: {exc.text}")
        if exc.status == 429:  # not retried by discord.py (e.g. a Cloudflare block)
            return RateLimited(_retry_after(exc), f"Discord answered 429: {exc.text}")
        if exc.status >= 500:
            return Transient(f"Discord answered {exc.status}: {exc.text}")
        if token_refused(exc):  # the token, not the message: it waits for a working token
            return Transient(f"Discord answered 401: DISCORD_TOKEN was rejected; {TOKEN_HINT}")
        return Permanent(f"Discord answered {exc.status} code {exc.code}: {exc.text}")
    if isinstance(exc, aiohttp.ClientError | OSError | asyncio.TimeoutError):
        return Transient(f"network error talking to Discord: {exc!r}")
    return None


def _retry_after(exc: discord.HTTPException) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    try:
        return max(float(headers.get("Retry-After", 60)), 1.0)
    except ValueError:
        return 60.0


class DiscordSender:
    """Implements `bot.messages.Sender` for Discord DMs.

    `unreachable_count` counts 50007/unknown-user answers and `invalid_requests` every 401/403/429:
    Discord blocks an IP that makes too many invalid requests (10,000 in 10 minutes), so watch them.
    """

    def __init__(
        self,
        client: discord.Client,
        *,
        bulk_interval: float = 1.0,
        on_token_refused: Callable[[], None] | None = None,
    ):
        self.client = client
        self.on_token_refused = on_token_refused  # told when Discord refuses the bot's token itself
        self.bulk_interval = bulk_interval  # seconds between two invitation/reminder DMs
        self.unreachable_count = 0
        self.invalid_requests = 0
        self._bulk_lock = asyncio.Lock()
        self._next_bulk = 0.0
        self._watchers: dict[str, list[asyncio.Future[str]]] = {}
        self.attachment_limit = ATTACHMENT_LIMIT

    async def send(self, message: Outbound) -> str:
        try:
            async with self._paced(message.bulk):
                channel = await self._dm(message.to.user_id)
                pieces = split_text(sanitize(message.text)) or ["\u200b"]
                view = choice_view(message)
                sent: list[str] = []
                for part, piece in enumerate(pieces):
                    extra: dict[str, Any] = {"view": view} if view and part == len(pieces) - 1 else {}
                    posted = await channel.send(
                        piece, nonce=nonce_for(message, part), allowed_mentions=NO_MENTIONS, **extra
                    )
                    sent.append(str(posted.id))
        except Exception as exc:
            error = self._translate(exc)
            self._settle(message.to.user_id, "unreachable" if isinstance(error, Unreachable) else "failed")
            raise error from exc
        self._settle(message.to.user_id, "sent")
        return " ".join(sent)  # every piece's id: a withdrawal deletes them all; buttons are on the last

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        if message.prompt is None:
            return
        pieces = split_text(sanitize(message.text)) or ["\u200b"]
        try:
            channel = await self._dm(message.to.user_id)
            await channel.get_partial_message(int(message_id.split()[-1])).edit(
                content=answered_content(pieces[-1], answer_label, note),
                view=answered_view(message, answer_label),
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as exc:
            raise self._translate(exc) from exc

    async def delete(self, to: Address, message_id: str) -> None:
        """Delete a message the bot posted in the DM, every piece of a split one."""
        try:
            channel = await self._dm(to.user_id)
            for piece in message_id.split():
                # 404 (10008 Unknown Message, or the channel gone with it): deleted already
                with contextlib.suppress(discord.NotFound):
                    await channel.get_partial_message(int(piece)).delete()
        except Exception as exc:
            raise self._translate(exc) from exc

    async def upload_file(
        self,
        who: Address,
        filename: str,
        content: bytes | str,
        *,
        title: str | None = None,
        comment: str | None = None,
    ) -> str:
        """Send a file to the person's DM as attachments (zipped, then split, when over the size limit)."""
        data = content.encode() if isinstance(content, str) else content
        parts = attachment_parts(filename, data, self.attachment_limit)
        note = comment or title or filename
        if len(parts) > 1:
            base = parts[0][0].rsplit(".", 1)[0]
            note += f"\n(In {len(parts)} parts: join them with `cat {base}.* > {base}`, then unzip.)"
        try:
            channel = await self._dm(who.user_id)
            sent: discord.Message | None = None
            for n, (name, chunk) in enumerate(parts):
                sent = await channel.send(
                    sanitize(note)[:MAX_CONTENT] if n == 0 else None,
                    file=discord.File(io.BytesIO(chunk), filename=name),
                    allowed_mentions=NO_MENTIONS,
                )
        except Exception as exc:
            raise self._translate(exc) from exc
        assert sent is not None  # there is always at least one part
        return str(sent.id)

    # ---- cohorts (the `bot.outreach.cohorts.Directory` protocol) ------------------------------------------

    participant_workspace = DM_WORKSPACE  # members are addressed by user id, whichever server they are in

    @property
    def bulk_per_second(self) -> float:
        return 1.0 / self.bulk_interval

    async def profile(self, workspace: str, user_id: str) -> Profile:
        # Discord has no time zone in profiles (members set theirs with /interviewer timezone); the role
        # listing already left out bots
        return Profile(None)

    async def role_members(self, workspace: str, role_id: str) -> list[str]:
        """The ids of the server's members (bots excepted) who have the role, via the REST members list."""
        try:
            roles = await self.client.http.get_roles(int(workspace))
            if not any(str(r["id"]) == role_id for r in roles):
                raise Permanent(
                    f"this server has no role <@&{role_id}>; pick the role from the list as you type @"
                )
            found: list[str] = []
            after: int | None = None
            while True:
                page = await self.client.http.get_members(int(workspace), 1000, after)
                found += [
                    str(m["user"]["id"])
                    for m in page
                    if role_id in (str(r) for r in m.get("roles", [])) and not m["user"].get("bot")
                ]
                if len(page) < 1000:
                    return found
                after = int(page[-1]["user"]["id"])
        except discord.HTTPException as exc:
            if exc.code == MISSING_ACCESS:
                raise Permanent(MEMBERS_INTENT_OFF) from exc
            raise self._translate(exc) from exc

    async def post_to_channel(self, workspace: str, channel: str, message: Outbound) -> str:
        """Post an invitation (its first choice is "Take part", valued with the study id) in a channel."""
        take_part, not_now = message.choices[0], _not_now_label(message)
        return await self.post_take_part(
            int(channel), message.text, take_part.value, take_part.label, not_now
        )

    async def update_in_channel(
        self, workspace: str, channel: str, message_id: str, message: Outbound
    ) -> None:
        """Replace a channel invitation's text in place, e.g. its participant count; the buttons stay."""
        take_part = message.choices[0]
        messageable = self.client.get_partial_messageable(int(channel))
        try:
            await messageable.get_partial_message(int(message_id)).edit(
                content=(split_text(sanitize(message.text)) or ["\u200b"])[-1],
                view=take_part_view(take_part.value, take_part.label, _not_now_label(message)),
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as exc:
            raise self._translate(exc) from exc

    async def post_take_part(
        self,
        channel_id: int,
        text: str,
        study_id: str,
        label: str = TAKE_PART_LABEL,
        not_now: str = NOT_NOW_LABEL,
    ) -> str:
        """Post a study's invitation with its "Take part" button in a server channel."""
        channel = self.client.get_partial_messageable(channel_id)
        try:
            pieces = split_text(sanitize(text)) or ["\u200b"]
            # Same channel, study and text within Discord's nonce window: the earlier post is returned.
            digest = hashlib.sha256(f"{channel_id}:{study_id}:{text}".encode()).hexdigest()[:20]
            for part, piece in enumerate(pieces[:-1]):
                await channel.send(piece, nonce=f"t{digest}p{part}", allowed_mentions=NO_MENTIONS)
            sent = await channel.send(  # the button goes on the last piece
                pieces[-1],
                nonce=f"t{digest}p{len(pieces) - 1}",
                allowed_mentions=NO_MENTIONS,
                view=take_part_view(study_id, label, not_now),
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        return str(sent.id)

    def watch(self, user_id: int | str) -> asyncio.Future[str]:
        """A future for the outcome of the next DM to `user_id`: "sent", "unreachable" or "failed"."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._watchers.setdefault(str(user_id), []).append(future)
        return future

    def forget(self, user_id: int | str, future: asyncio.Future[str]) -> None:
        futures = self._watchers.get(str(user_id), [])
        if future in futures:
            futures.remove(future)
        if not futures:
            self._watchers.pop(str(user_id), None)

    def _settle(self, user_id: str, outcome: str) -> None:
        for future in self._watchers.pop(user_id, []):
            if not future.done():
                future.set_result(outcome)

    async def _dm(self, user_id: str) -> discord.DMChannel:
        if self.client.is_closed() or self.client.user is None:
            raise Transient("the Discord client is not connected")
        return await self.client.create_dm(discord.Object(int(user_id)))

    def _translate(self, exc: Exception) -> DeliveryError:
        """Count the failure and give it its platform-neutral class; a surprise is Permanent, not retried."""
        error = exc if isinstance(exc, DeliveryError) else delivery_error(exc)
        if error is None:
            log.error("discord: unexpected error while sending", exc_info=exc)
            error = Permanent(f"unexpected error: {exc!r}")
        if isinstance(exc, discord.HTTPException) and exc.status in (401, 403, 429):
            self.invalid_requests += 1
        if token_refused(exc) and self.on_token_refused is not None:
            self.on_token_refused()
        if isinstance(error, Unreachable):
            self.unreachable_count += 1
            log.warning(
                "discord: cannot DM a participant (%s); %d such errors, %d invalid requests",
                error,
                self.unreachable_count,
                self.invalid_requests,
            )
        return error

    @contextlib.asynccontextmanager
    async def _paced(self, bulk: bool) -> AsyncIterator[None]:
        """Invitations and reminders go out one per `bulk_interval`; replies are never held back."""
        if not bulk:
            yield
            return
        async with self._bulk_lock:
            loop = asyncio.get_running_loop()
            wait = self._next_bulk - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                yield
            finally:
                self._next_bulk = loop.time() + self.bulk_interval


def _not_now_label(message: Outbound) -> str:
    """The label of a channel invitation's "Not now" (its second choice), in the study's language."""
    return message.choices[1].label if len(message.choices) > 1 else NOT_NOW_LABEL
