"""The Discord client: connects with no privileged intent, registers the sender once ready, reads back
the DMs missed while it was away, and hands DMs, clicks and `/interviewer` commands on.

Translation only: the engine decides what to say, `bot.commands` decides what a command answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from adapters.discord.catchup import catch_up
from adapters.discord.commands import command_group
from adapters.discord.receive import (
    PLATFORM,
    actor_address,
    click_inbound,
    message_inbound,
    participant,
    take_part_inbound,
)
from adapters.discord.send import NO_MENTIONS, TOKEN_HINT, DiscordSender
from adapters.discord.views import (
    MAX_CONTENT,
    ChoiceButton,
    ChoiceClick,
    NotNowButton,
    TakePartButton,
    known_custom_id,
    sanitize,
    split_text,
    stale_click,
)
from bot.commands.by_dm import answer_by_dm
from bot.commands.registry import execute
from bot.interview.locales import ENGLISH, study_texts
from bot.interview.texts import Texts
from bot.messages import Address
from bot.outreach.cohorts import not_now_in_channel
from bot.records.overview import participant_texts
from bot.runtime import Runtime

log = logging.getLogger(__name__)

# English in every study: the answer it comes before is a slash command's, and those are English
LATE_COMMAND = (
    "Your `/interviewer` command reached me late, because my connection to Discord dropped for a moment, "
    "so Discord may have shown “The application did not respond”. It did run; here is its answer."
)
UNKNOWN_INTERACTION = 10062  # a first response after Discord's 3-second deadline
STALE_LOOKUP = 1.0  # seconds to find an unreadable button's clicker's language, within Discord's 3


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
        self.sender = DiscordSender(self, on_token_refused=self.token_refused)
        self.refused_token = False  # set when a REST call found the token reset: `serve` then stops
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(command_group(self))
        self.take_part_wait = 8.0  # seconds to wait for the first DM before answering a "Take part" click
        self._catching_up: asyncio.Task[None] | None = None
        self._read_back_again = False  # a READY came: read back the DMs its gap missed
        self._stopping: asyncio.Task[None] | None = None
        _guard_parsers(self._connection.parsers)
        self.tree.error(_command_unreadable)

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
        self._read_back_again = True
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.create_task(self._catch_up(), name="interviewer-discord-catch-up")

    async def _catch_up(self) -> None:
        # A READY while a read-back runs (op 9 d=false again) is a new gap the running pass may have read
        # past already: one more pass follows, or DMs written in that gap would wait for the next READY.
        while self._read_back_again:
            self._read_back_again = False
            try:
                await catch_up(self, self.runtime.engine)
            except Exception:
                log.exception("discord: reading the messages sent while the bot was away failed")
        self.runtime.wake()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A click on a component none of the bot's kinds matches (no handler will answer it)."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: dict[str, Any] = dict(interaction.data or {})
        if not known_custom_id(str(data.get("custom_id") or "")):
            await self.stale_clicked(interaction)

    async def stale_clicked(self, interaction: discord.Interaction[Any]) -> None:
        """A click on a button the bot cannot read (no study in it), answered in the language of the
        clicker's newest interview: English when they have none, or when finding it takes too long for
        Discord's 3 seconds."""
        try:
            texts = await asyncio.wait_for(self._clicker_texts(interaction), STALE_LOOKUP)
        except TimeoutError:
            texts = ENGLISH
        await stale_click(interaction, texts.stale_button)

    def texts_of_study(self, study_id: str) -> Texts:
        return study_texts(self.runtime.engine.catalog.get(study_id))

    async def _clicker_texts(
        self, interaction: discord.Interaction[Any], interview_id: int | None = None
    ) -> Texts:
        """The fixed texts of the interview a button was sent in, else of the clicker's newest one."""
        engine, who = self.runtime.engine, participant(interaction.user.id)
        try:
            return await participant_texts(engine.store, engine.catalog, who, interview_id)
        except Exception as exc:  # the database is away for a moment: the note goes out in English
            log.warning("discord: the clicker's language could not be read (%s)", type(exc).__name__)
            return ENGLISH

    async def on_message(self, message: discord.Message) -> None:
        inbound = message_inbound(message)
        if inbound is not None:
            await self.runtime.engine.receive(inbound)

    async def choice_clicked(self, interaction: discord.Interaction[Any], click: ChoiceClick) -> None:
        in_time = await _first_response(interaction)  # acknowledge now; the reply comes as a new DM
        if await self.runtime.engine.receive(click_inbound(interaction, click)) and not in_time:
            texts = await self._clicker_texts(interaction, click.interview_id)
            await self._tell_late(interaction, texts.late_click)

    async def _tell_late(
        self, interaction: discord.Interaction[Any], text: str, *, once: bool = True
    ) -> None:
        """Answer by DM an interaction whose own answer Discord no longer takes (its token died unanswered
        after 3 seconds, so no follow-up either): once per interaction, or (`once` False) each time."""
        who, about = participant(interaction.user.id), str(interaction.id) if once else ""
        await answer_by_dm(self.runtime.engine, who, "late", sanitize(text), about=about)

    async def take_part_clicked(self, interaction: discord.Interaction[Any], study_id: str) -> None:
        in_time = await _first_response(interaction, ephemeral=True, thinking=True)
        if not in_time:  # the interview's first DM comes as usual; the note says why the click "failed"
            if await self.runtime.engine.receive(take_part_inbound(interaction, study_id)):
                await self._tell_late(interaction, self.texts_of_study(study_id).late_click)
            return
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
        texts = self.texts_of_study(study_id)
        text = {"sent": texts.dms_sent, "unreachable": texts.dms_closed}.get(result, texts.dms_pending)
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(content=text)

    async def not_now_clicked(self, interaction: discord.Interaction[Any], study_id: str) -> None:
        """ "Not now" under a channel invitation: only the clicker sees the answer (see `bot.outreach.cohorts`)."""
        in_time = await _first_response(interaction, ephemeral=True, thinking=True)
        who = participant(interaction.user.id)
        text = await not_now_in_channel(self.runtime.engine, who, study_id)
        if not in_time:
            await self._tell_late(interaction, f"{self.texts_of_study(study_id).late_click}\n\n{text}")
            return
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(content=sanitize(text))

    async def run_command(
        self, interaction: discord.Interaction[Any], line: str, actor: Address | None = None
    ) -> None:
        """Answer `/interviewer <line>` through `bot.commands`, visible to the caller only."""
        # Defer first: Discord drops an interaction not answered within 3 seconds, and a command may list
        # a server's members or write many rows before it has an answer. The answer then edits the
        # "thinking…" message (https://discord.com/developers/docs/interactions/receiving-and-responding).
        in_time = await _first_response(interaction, ephemeral=True, thinking=True)
        actor = actor or actor_address(interaction)
        later = functools.partial(_follow_up, interaction)
        if not in_time:
            later = functools.partial(self._tell_late, interaction, once=False)
        try:
            reply = await execute(self.runtime.engine, actor, line, later=later)
        except Exception:
            log.exception("discord: the /interviewer command failed")
            reply = "Sorry, that command failed on our side; the error is in the bot's log. Please try again."
        if not in_time:  # only a DM reaches the caller now (a private answer, as the command's was)
            await self._tell_late(interaction, f"{LATE_COMMAND}\n\n{reply}")
            return
        pieces = split_text(sanitize(reply), MAX_CONTENT) or ["…"]
        await interaction.edit_original_response(content=pieces[0], allowed_mentions=NO_MENTIONS)
        for piece in pieces[1:]:
            await interaction.followup.send(piece, ephemeral=True, allowed_mentions=NO_MENTIONS)

    def token_refused(self) -> None:
        """A message was refused for the bot's token (reset or revoked): stop, as a failed login does.
        Retrying every waiting message with a dead token counts towards Discord's invalid request limit
        (401, 403 and 429 answers, 10,000 per 10 minutes per IP:
        https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans)
        and would drop them after a day; stopped, they wait in the outbox for a restart with the new token."""
        if self.refused_token:
            return
        self.refused_token = True
        log.error("discord: Discord rejected DISCORD_TOKEN (401); stopping. Messages wait until a restart.")
        self._stopping = asyncio.create_task(self.close(), name="interviewer-discord-token-refused")

    async def close(self) -> None:
        if self._catching_up is not None and not self._catching_up.done():
            self._catching_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catching_up
        await super().close()


async def _first_response(interaction: discord.Interaction[Any], **defer: Any) -> bool:
    """Defer `interaction` (its first response); False when Discord says the 3-second deadline for it has
    passed (404 code 10062: a click or command held while the gateway connection was down, replayed on
    RESUME): the bot still acts on it, and answers by DM. Any other failure leaves the click counting.
    https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction"""
    try:
        await interaction.response.defer(**defer)
    except discord.NotFound as exc:
        if exc.code == UNKNOWN_INTERACTION:
            log.warning("discord: an interaction came after Discord's 3-second deadline; answering by DM")
            return False
    except discord.HTTPException:
        pass  # any other refusal of the acknowledgement: the work goes on, and its answer goes as a DM or follow-up
    return True


def _guard_parsers(parsers: dict[str, Callable[[Any], None]]) -> None:
    """discord.py reads each gateway event in its gateway loop, so an event it cannot read (a missing
    field, an id that is no number) escapes that loop and ends the client, and the bot with it. Each
    event but READY is read under a guard here: one that cannot be read is dropped with a warning (its
    type and the error's, never its content) and the session goes on."""
    for name, parse in list(parsers.items()):
        if name != "READY":  # without its READY the session is no use: that failure stays fatal
            parsers[name] = functools.partial(_read_or_drop, name, parse)


def _read_or_drop(name: str, parse: Callable[[Any], None], data: Any) -> None:
    try:
        parse(data)
    except Exception as exc:
        log.warning("discord: dropped a %s event that could not be read (%s)", name, type(exc).__name__)


async def _command_unreadable(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """A slash command discord.py could not match or read (options of the wrong type, an unknown
    subcommand): answered privately within Discord's 3 seconds instead of failing silently."""
    log.warning("discord: a /interviewer command could not be read (%s)", type(error).__name__)
    text = "I could not read that command. Type `/interviewer help` for the commands and their options."
    with contextlib.suppress(discord.HTTPException, discord.InteractionResponded):
        await interaction.response.send_message(text, ephemeral=True)


async def _follow_up(interaction: discord.Interaction[Any], text: str) -> None:
    """One more private answer to a command, as a follow-up (its token is valid for 15 minutes:
    https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages)."""
    for piece in split_text(sanitize(text), MAX_CONTENT):  # every piece: a long answer loses nothing
        await interaction.followup.send(piece, ephemeral=True, allowed_mentions=NO_MENTIONS)


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
            with runtime.running_scheduler():
                await client.start(token)
        except discord.LoginFailure as exc:
            raise SystemExit(f"Discord rejected DISCORD_TOKEN (401); {TOKEN_HINT}.") from exc
        except discord.PrivilegedIntentsRequired as exc:  # close code 4014
            raise SystemExit(
                "Discord refused a privileged intent this bot asked for (close code 4014); turn it on "
                "under Bot > Privileged Gateway Intents in the Developer Portal, or ask for less."
            ) from exc
        except discord.ConnectionClosed as exc:  # a close code discord.py does not reconnect after
            raise SystemExit(_closed(exc.code)) from exc
        if client.refused_token:
            raise SystemExit(f"Discord rejected DISCORD_TOKEN (401); {TOKEN_HINT}.")


# Gateway close codes that end a session for good (Reconnect: false), from
# https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
CLOSE_CODES = {
    4004: f"Discord rejected DISCORD_TOKEN (gateway close code 4004, authentication failed); {TOKEN_HINT}.",
    4010: "Discord closed the connection: invalid shard (close code 4010).",
    4011: "Discord closed the connection: sharding required (close code 4011); the bot is in too many "
    "servers for one connection.",
    4012: "Discord closed the connection: invalid API version (close code 4012); upgrade discord.py.",
    4013: "Discord closed the connection: invalid intents (close code 4013); upgrade discord.py.",
}


def _closed(code: int) -> str:
    return CLOSE_CODES.get(code, f"Discord closed the connection with code {code} and it cannot be resumed.")
