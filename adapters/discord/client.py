"""Discord adapter: discord.py events to `Inbound`, `Outbound` to DM messages with persistent buttons.

Translation only: the engine decides what to say, `bot.commands` decides what a command answers.
Participants are addressed as Address("discord", "dm", <user id>) wherever they write or click from.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import logging
import shlex
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord.views import (
    MAX_CONTENT,
    ChoiceButton,
    ChoiceClick,
    NotNowButton,
    TakePartButton,
    answered_content,
    answered_view,
    choice_view,
    nonce_for,
    sanitize,
    split_text,
    take_part_view,
)
from bot.commands import registry as commands
from bot.errors import DeliveryError, Permanent, RateLimited, Transient, Unreachable
from bot.messages import Address, Inbound, Outbound
from bot.outreach.cohorts import Profile, not_now_in_channel
from bot.outreach.scheduler import running_scheduler
from bot.runtime import Runtime

log = logging.getLogger(__name__)

PLATFORM = "discord"
DM_WORKSPACE = "dm"
CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed, bot blocked, or no shared server
UNKNOWN_USER = 10013
MISSING_ACCESS = 50001  # e.g. listing a server's members without the Server Members intent
MEMBERS_INTENT_OFF = (
    "Discord refused to list this server's members. Turn on the Server Members Intent (Developer "
    "Portal > your application > Bot > Privileged Gateway Intents), then run the command again."
)
BULK_PURPOSES = frozenset({"invitation", "reminder"})
# View Channels + Send Messages: enough to post an invitation with a button in a channel. DMs, edits of
# our own messages and interaction replies need no server permission.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True)
SCOPES = ("bot", "applications.commands")
NO_MENTIONS = discord.AllowedMentions.none()
DMS_CLOSED = (
    "I couldn't send you a direct message, so the interview can't start yet. To allow it: click "
    "this server's name at the top left, choose **Privacy Settings**, turn on **Direct Messages**, "
    "then press the button again."
)
DMS_SENT = "Thanks! I've sent you a direct message; the interview continues there."
DMS_PENDING = "Thanks! Look for a direct message from me in a moment."
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


# ---- inbound translation ---------------------------------------------------------------------------


def participant(user_id: int | str) -> Address:
    return Address(PLATFORM, DM_WORKSPACE, str(user_id))


def message_inbound(message: discord.Message) -> Inbound | None:
    """A DM from a person becomes an Inbound; bots, webhooks, servers and system messages are ignored."""
    if message.author.bot or message.webhook_id is not None:
        return None
    if message.guild is not None or not isinstance(message.channel, discord.DMChannel):
        return None  # a server message (its guild may not be cached, so check the channel too)
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return None
    return Inbound(
        participant(message.author.id),
        f"discord:msg:{message.id}",
        text=message.content,
        attachments=len(message.attachments),
        display_name=message.author.display_name,
    )


def click_inbound(interaction: discord.Interaction[Any], click: ChoiceClick) -> Inbound:
    """A choice button click. When only the index fit in the custom_id, it arrives as the typed number."""
    common = {
        "sender": participant(interaction.user.id),
        "dedupe_key": f"discord:ix:{interaction.id}",
        "interview_id": click.interview_id,
        "display_name": interaction.user.display_name,
    }
    if click.value is None:
        return Inbound(text=str(click.index), **common)  # type: ignore[arg-type]
    return Inbound(prompt=click.prompt, choice=click.value, **common)  # type: ignore[arg-type]


def take_part_inbound(interaction: discord.Interaction[Any], study_id: str) -> Inbound:
    return Inbound(
        participant(interaction.user.id),
        f"discord:ix:{interaction.id}",
        prompt="start",
        choice="start",
        study_id=study_id,
        display_name=interaction.user.display_name,
    )


def actor_address(interaction: discord.Interaction[Any]) -> Address:
    """Who runs a slash command; `bot.commands` matches them as discord:<user id>."""
    workspace = str(interaction.guild_id) if interaction.guild_id else DM_WORKSPACE
    return Address(PLATFORM, workspace, str(interaction.user.id))


# ---- errors ----------------------------------------------------------------------------------------


def delivery_error(exc: BaseException) -> DeliveryError | None:
    """The platform-neutral class for a discord.py or network failure; None if it is neither."""
    if isinstance(exc, discord.RateLimited):  # discord.py's own wait would exceed max_ratelimit_timeout
        return RateLimited(exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        if exc.code in (CANNOT_DM, UNKNOWN_USER):
            return Unreachable(f"{exc.status} code {exc.code}: {exc.text}")
        if exc.status == 429:  # not retried by discord.py (e.g. a Cloudflare block)
            return RateLimited(_retry_after(exc), f"Discord answered 429: {exc.text}")
        if exc.status >= 500:
            return Transient(f"Discord answered {exc.status}: {exc.text}")
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


# ---- outbound --------------------------------------------------------------------------------------


class DiscordSender:
    """Implements `bot.messages.Sender` for Discord DMs.

    `unreachable_count` counts 50007/unknown-user answers and `invalid_requests` every 401/403/429:
    Discord blocks an IP that makes too many invalid requests (10,000 in 10 minutes), so watch them.
    """

    def __init__(self, client: discord.Client, *, bulk_interval: float = 1.0):
        self.client = client
        self.bulk_interval = bulk_interval  # seconds between two invitation/reminder DMs
        self.unreachable_count = 0
        self.invalid_requests = 0
        self._bulk_lock = asyncio.Lock()
        self._next_bulk = 0.0
        self._watchers: dict[str, list[asyncio.Future[str]]] = {}
        self.attachment_limit = ATTACHMENT_LIMIT

    async def send(self, message: Outbound) -> str:
        try:
            async with self._paced(message.purpose):
                channel = await self._dm(message.to.user_id)
                pieces = split_text(sanitize(message.text)) or ["\u200b"]
                view = choice_view(message)
                sent: discord.Message | None = None
                for part, piece in enumerate(pieces):
                    extra: dict[str, Any] = {"view": view} if view and part == len(pieces) - 1 else {}
                    sent = await channel.send(
                        piece, nonce=nonce_for(message, part), allowed_mentions=NO_MENTIONS, **extra
                    )
        except Exception as exc:
            error = self._translate(exc)
            self._settle(message.to.user_id, "unreachable" if isinstance(error, Unreachable) else "failed")
            raise error from exc
        self._settle(message.to.user_id, "sent")
        assert sent is not None
        return str(sent.id)

    async def mark_answered(self, message_id: str, message: Outbound, answer_label: str) -> None:
        if message.prompt is None:
            return
        pieces = split_text(sanitize(message.text)) or ["\u200b"]
        try:
            channel = await self._dm(message.to.user_id)
            await channel.get_partial_message(int(message_id)).edit(
                content=answered_content(pieces[-1], answer_label),
                view=answered_view(message, answer_label),
                allowed_mentions=NO_MENTIONS,
            )
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
        assert sent is not None
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
        take_part = message.choices[0]
        return await self.post_take_part(int(channel), message.text, take_part.value, take_part.label)

    async def update_in_channel(
        self, workspace: str, channel: str, message_id: str, message: Outbound
    ) -> None:
        """Replace a channel invitation's text in place, e.g. its participant count; the buttons stay."""
        take_part = message.choices[0]
        messageable = self.client.get_partial_messageable(int(channel))
        try:
            await messageable.get_partial_message(int(message_id)).edit(
                content=(split_text(sanitize(message.text)) or ["\u200b"])[-1],
                view=take_part_view(take_part.value, take_part.label),
                allowed_mentions=NO_MENTIONS,
            )
        except Exception as exc:
            raise self._translate(exc) from exc

    async def post_take_part(
        self, channel_id: int, text: str, study_id: str, label: str = "Take part"
    ) -> str:
        """Post a study's invitation with its "Take part" button in a server channel."""
        channel = self.client.get_partial_messageable(channel_id)
        try:
            pieces = split_text(sanitize(text)) or ["\u200b"]
            sent: discord.Message | None = None
            # Same channel, study and text within Discord's nonce window: the earlier post is returned.
            digest = hashlib.sha256(f"{channel_id}:{study_id}:{text}".encode()).hexdigest()[:20]
            for part, piece in enumerate(pieces):
                extra = {"view": take_part_view(study_id, label)} if part == len(pieces) - 1 else {}
                sent = await channel.send(
                    piece, nonce=f"t{digest}p{part}", allowed_mentions=NO_MENTIONS, **extra
                )
        except Exception as exc:
            raise self._translate(exc) from exc
        assert sent is not None
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
    async def _paced(self, purpose: str) -> AsyncIterator[None]:
        """Invitations and reminders go out one per `bulk_interval`; replies are never held back."""
        if purpose not in BULK_PURPOSES:
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


# ---- the client ------------------------------------------------------------------------------------


class InterviewerClient(discord.Client):
    """discord.py client wired to a `Runtime`: DMs and button clicks in, `/interviewer` commands."""

    def __init__(self, runtime: Runtime, **options: Any):
        # No privileged intent: the content of DMs to the bot arrives without the message content intent.
        intents = discord.Intents.none()
        intents.guilds = True  # discord.py relies on it for its channel and guild cache
        intents.dm_messages = True
        options.setdefault("max_ratelimit_timeout", 30.0)  # longer waits surface as RateLimited instead
        super().__init__(intents=intents, **options)
        self.runtime = runtime
        self.sender = DiscordSender(self)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(_command_group(self))
        self.take_part_wait = 8.0  # seconds to wait for the first DM before answering a "Take part" click
        self._catching_up: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        self.add_dynamic_items(
            ChoiceButton, TakePartButton, NotNowButton
        )  # clicks on messages sent before a restart
        settings = self.runtime.settings
        if settings.discord_api_base and not settings.discord_gateway_url:
            _, url, _ = await self.http.get_bot_gateway()  # a stand-in REST API names its own gateway
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        await self.tree.sync()

    async def on_ready(self) -> None:
        """Connected (a new session: Discord replays nothing a dead session missed). From now on this
        process sends Discord messages; it reads what participants wrote while it was away, then asks
        the scheduler for a tick, which also resends what a crash interrupted."""
        log.info("discord: connected as %s (%s)", self.user, self.user and self.user.id)
        self.runtime.engine.register_sender(PLATFORM, self.sender)
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.create_task(self._catch_up(), name="interviewer-discord-catch-up")

    async def _catch_up(self) -> None:
        from adapters.discord.catchup import catch_up

        try:
            await catch_up(self)
        except Exception:
            log.exception("discord: reading the messages sent while the bot was away failed")
        self.runtime.wake()

    async def on_message(self, message: discord.Message) -> None:
        inbound = message_inbound(message)
        if inbound is not None:
            await self.runtime.engine.receive(inbound)

    async def choice_clicked(self, interaction: discord.Interaction[Any], click: ChoiceClick) -> None:
        with contextlib.suppress(discord.HTTPException):  # the click still counts if the ack fails
            await interaction.response.defer()  # acknowledge now; the reply comes as a new DM
        await self.runtime.engine.receive(click_inbound(interaction, click))

    async def take_part_clicked(self, interaction: discord.Interaction[Any], study_id: str) -> None:
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = self.sender.watch(interaction.user.id)
        try:
            fresh = await self.runtime.engine.receive(take_part_inbound(interaction, study_id))
            result = (
                await asyncio.wait_for(asyncio.shield(outcome), self.take_part_wait) if fresh else "pending"
            )
        except TimeoutError:
            result = "pending"
        finally:
            self.sender.forget(interaction.user.id, outcome)
        text = {"sent": DMS_SENT, "unreachable": DMS_CLOSED}.get(result, DMS_PENDING)
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(content=text)

    async def not_now_clicked(self, interaction: discord.Interaction[Any], study_id: str) -> None:
        """ "Not now" under a channel invitation: only the clicker sees the answer (see `bot.outreach.cohorts`)."""
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.defer(ephemeral=True, thinking=True)
        who = participant(interaction.user.id)
        text = await not_now_in_channel(self.runtime.engine, who, study_id)
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(content=sanitize(text))

    async def run_command(
        self, interaction: discord.Interaction[Any], line: str, actor: Address | None = None
    ) -> None:
        """Answer `/interviewer <line>` through `bot.commands`, visible to the caller only."""
        # Defer first: Discord drops an interaction not answered within 3 seconds, and a command may list
        # a server's members or write many rows before it has an answer. The answer then edits the
        # "thinking…" message (https://discord.com/developers/docs/interactions/receiving-and-responding).
        await interaction.response.defer(ephemeral=True, thinking=True)
        actor = actor or actor_address(interaction)
        try:
            reply = await commands.execute(self.runtime.engine, actor, line)
        except Exception:
            log.exception("discord: the /interviewer command failed")
            reply = "Sorry, that command failed on our side; the error is in the bot's log. Please try again."
        pieces = split_text(sanitize(reply), MAX_CONTENT) or ["…"]
        await interaction.edit_original_response(content=pieces[0], allowed_mentions=NO_MENTIONS)
        for piece in pieces[1:]:
            await interaction.followup.send(piece, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def close(self) -> None:
        if self._catching_up is not None and not self._catching_up.done():
            self._catching_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catching_up
        await super().close()


def _command_group(client: InterviewerClient) -> app_commands.Group:
    group = app_commands.Group(
        name="interviewer", description="Research interviews: your studies and progress"
    )

    @group.command(name="help", description="What this bot does and how to use it")
    async def help_command(interaction: discord.Interaction) -> None:
        await client.run_command(interaction, "help")

    @group.command(name="studies", description="The studies you can manage")
    async def studies_command(interaction: discord.Interaction) -> None:
        await client.run_command(interaction, "studies")

    @group.command(name="status", description="How far a study has got")
    @app_commands.describe(study="The study id, e.g. ai-at-work")
    async def status_command(interaction: discord.Interaction, study: str) -> None:
        await client.run_command(interaction, f"status {shlex.quote(study)}")

    @group.command(name="export", description="Send a study's transcripts to your DMs (researchers)")
    @app_commands.describe(
        study="The study id",
        format="jsonl, csv, markdown or qdpx",
        since="Only interviews started on or after YYYY-MM-DD",
        group="Only this answer to the study's group question",
        include_incomplete="Also stopped, expired and running interviews",
    )
    @app_commands.choices(
        format=[app_commands.Choice(name=f, value=f) for f in ("jsonl", "csv", "markdown", "qdpx")]
    )
    async def export_command(
        interaction: discord.Interaction,
        study: str,
        format: str = "jsonl",
        since: str | None = None,
        group: str | None = None,
        include_incomplete: bool = False,
    ) -> None:
        line = f"export {shlex.quote(study)} {shlex.quote(format)}"
        line += f" --since {shlex.quote(since)}" if since else ""
        line += f" --group {shlex.quote(group)}" if group else ""
        line += " --include-incomplete" if include_incomplete else ""
        await client.run_command(interaction, line)

    @group.command(name="invite", description="Invite people to a study (organizers and researchers)")
    @app_commands.describe(
        study="The study id",
        to="#channel to post the invitation in, or role:@Role to DM the role's members",
        confirm="Go ahead with a large role (the first try says how many DMs and how long)",
    )
    async def invite_command(
        interaction: discord.Interaction, study: str, to: str, confirm: bool = False
    ) -> None:
        line = f"invite {shlex.quote(study)} {shlex.quote(to)}" + (" confirm" if confirm else "")
        await client.run_command(interaction, line)

    @group.command(name="timezone", description="Your time zone, so invitations arrive in your daytime")
    @app_commands.describe(zone="An IANA time zone, e.g. Europe/Berlin or America/New_York")
    async def timezone_command(interaction: discord.Interaction, zone: str) -> None:
        # stored for the member as a participant, whichever server they typed it in
        who = participant(interaction.user.id)
        await client.run_command(interaction, f"timezone {shlex.quote(zone)}", who)

    return group


# ---- entry points ----------------------------------------------------------------------------------


def invite_url(application_id: int | str) -> str:
    """The install link: scopes `bot applications.commands`, permissions View Channels + Send Messages."""
    if not str(application_id).strip().isdigit():
        raise ValueError(
            f"{application_id!r} is not an application id; copy the numeric Application ID from "
            "the Developer Portal (General Information)"
        )
    return discord.utils.oauth_url(str(application_id).strip(), permissions=PERMISSIONS, scopes=SCOPES)


def application_id_from_token(token: str) -> str:
    """The bot's user id, encoded in the token's first part; it equals the application id."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            "DISCORD_TOKEN does not look like a bot token; copy it again from Bot > Reset Token"
        ) from exc
    if not decoded.isdigit():
        raise ValueError("DISCORD_TOKEN does not look like a bot token; copy it again from Bot > Reset Token")
    return decoded


def build_client(runtime: Runtime, **options: Any) -> InterviewerClient:
    """A client for `runtime`, registered as the engine's Discord sender. `options` go to discord.Client."""
    settings = runtime.settings
    if settings.discord_api_base:  # tests only: a local stand-in for discord.com
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
    return InterviewerClient(runtime, **options)


async def serve(runtime: Runtime, client: InterviewerClient | None = None) -> None:
    """Connect to Discord and run until cancelled or closed; the scheduler (the process's one, or one
    for this call) ticks, and is woken at once when the client is ready and has caught up."""
    token = (
        runtime.settings.discord_token.get_secret_value().strip() if runtime.settings.discord_token else ""
    )
    if not token:
        raise SystemExit(
            "DISCORD_TOKEN is not set. Create a bot in the Discord Developer Portal (Bot > Reset "
            "Token) and put DISCORD_TOKEN=... in the environment or .env; see docs/discord.md."
        )
    client = client or build_client(runtime)
    async with client:
        try:
            with running_scheduler(runtime):
                await client.start(token)
        except discord.LoginFailure as exc:
            raise SystemExit(
                "Discord rejected DISCORD_TOKEN (401). Reset the token in the Developer Portal "
                "(Bot > Reset Token) and update DISCORD_TOKEN."
            ) from exc
