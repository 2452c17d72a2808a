"""Slack: events, button clicks and `/interviewer` become `Inbound`s or command calls; `Outbound`s become
DM posts with Block Kit buttons. Socket Mode on a laptop, HTTP mode (several workers) in production.

Every event is stored in the inbox before Bolt acknowledges it (`process_before_response=True`): the
listener only writes one row, so the ack still leaves within milliseconds, and a failed write answers
500 so that Slack retries. Retries (`X-Slack-Retry-Num`) are never dropped: the inbox's UNIQUE dedupe key
turns a retry of an event we already stored into a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
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
from bot import commands
from bot.cohorts import not_now_in_channel
from bot.errors import DeliveryError, Permanent, RateLimited, Transient, Unreachable
from bot.interview import NOT_NOW
from bot.messages import Address, Inbound, Outbound
from bot.overview import participant_overview
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)
SLACK = "slack"
COMMAND = "/interviewer"
EVENTS_PATH = "/slack/events"
BULK_PURPOSES = frozenset({"invitation", "reminder"})
BOT_TOKEN_HINT = "Copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page."
# Message subtypes that carry something a person wrote; edits, deletions, joins and bots are ignored.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})
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
        token=token or _secret(settings.slack_bot_token), base_url=base_url, retry_handlers=handlers
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


# ---- receiving -------------------------------------------------------------------------------------


def message_inbound(body: dict[str, Any]) -> Inbound | None:
    """A person's DM as an `Inbound`; None for what we ignore on purpose (bots, edits, deletions...)."""
    event = body.get("event") or {}
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    if event.get("bot_id") or event.get("subtype") not in PERSON_SUBTYPES or not event.get("user"):
        return None
    team = body.get("team_id") or event.get("team") or ""
    event_key = (
        body.get("event_id") or event.get("client_msg_id") or f"{event.get('channel')}:{event.get('ts')}"
    )
    return Inbound(
        sender=Address(SLACK, team, event["user"]),
        dedupe_key=f"slack:{team}:{event_key}",
        text=blocks.plain_text(event.get("text") or ""),
        attachments=len(event.get("files") or []),
    )


def action_inbound(body: dict[str, Any]) -> Inbound | None:
    """A button click as an `Inbound`. One key per (message, button, person): a double click is one event."""
    actions, user = body.get("actions") or [], body.get("user") or {}
    if not actions or not user.get("id"):
        return None
    action = actions[0]
    action_id = str(action.get("action_id", ""))
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts") or ""
    who = Address(SLACK, team, user["id"])
    key = f"slack:action:{ts or action.get('action_ts', '')}:{action_id}:{user['id']}"
    if action_id == blocks.NOT_NOW_ACTION and action.get("value"):
        value = NOT_NOW + str(action["value"])
        return Inbound(who, key, prompt="start", choice=value, study_id=action["value"])
    if blocks.TAKE_PART_ACTION_PATTERN.match(action_id):
        return Inbound(who, key, prompt="start", choice="start", study_id=action.get("value") or None)
    clicked = blocks.decode_choice(str(action.get("value") or ""))
    if clicked is None:
        return None
    return Inbound(who, key, prompt=clicked.prompt, choice=clicked.value, interview_id=clicked.interview_id)


def build_app(
    runtime: Runtime, *, client: AsyncWebClient | None = None, bulk_per_second: float = 0.8
) -> AsyncApp:
    """The Bolt app with its listeners; registers a `SlackSender` as the engine's "slack" sender."""
    settings, engine = runtime.settings, runtime.engine
    if client is None:
        _require(settings.slack_bot_token, "SLACK_BOT_TOKEN", BOT_TOKEN_HINT)
        client = make_client(settings)
    app = AsyncApp(
        name="interviewer",
        client=client,
        signing_secret=_secret(settings.slack_signing_secret),
        process_before_response=True,  # store first, then ack: see the module docstring
    )
    sender = SlackSender(client, bulk_per_second=bulk_per_second)
    engine.register_sender(SLACK, sender)

    async def on_message(body: dict[str, Any]) -> None:
        inbound = message_inbound(body)
        if inbound is None:
            log.debug("ignored message event %s", (body.get("event") or {}).get("subtype"))
            return
        sender.remember_dm(inbound.sender, body["event"].get("channel"))
        await engine.receive(inbound)

    async def on_click(ack: Any, body: dict[str, Any]) -> None:
        inbound = action_inbound(body)
        if inbound is None:
            log.warning(
                "ignored a click we cannot read: %s", (body.get("actions") or [{}])[0].get("action_id")
            )
        else:
            sender.remember_dm(inbound.sender, (body.get("channel") or {}).get("id"))
            await engine.receive(inbound)
        await ack()

    async def on_not_now(ack: Any, body: dict[str, Any], respond: Any) -> None:
        """In a DM, "Not now" declines that invitation; under a channel post only the clicker sees an
        answer, and only an invited member's invitation is declined."""
        inbound = action_inbound(body)
        channel = (body.get("channel") or {}).get("id") or ""
        if inbound is None or inbound.study_id is None:
            await ack()
        elif channel.startswith("D"):
            sender.remember_dm(inbound.sender, channel)
            await engine.receive(inbound)
            await ack()
        else:
            await ack()
            reply = await not_now_in_channel(engine, inbound.sender, inbound.study_id)
            await respond(text=reply, response_type="ephemeral", replace_original=False)

    async def ack_only(ack: Any) -> None:
        await ack()

    async def run_command(body: dict[str, Any], respond: Any) -> None:
        actor = Address(SLACK, body.get("team_id") or "", body.get("user_id") or "")
        reply = await commands.execute(engine, actor, body.get("text") or "")
        await respond(text=blocks.escape(reply), response_type="ephemeral")

    async def publish_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        who = Address(SLACK, body.get("team_id") or "", event["user"])
        await sender.publish_home(event["user"], blocks.home_view(await participant_overview(engine, who)))

    app.event("message")(on_message)
    app.action(blocks.CHOICE_ACTION_PATTERN)(on_click)
    app.action(blocks.TAKE_PART_ACTION_PATTERN)(on_click)
    app.action(blocks.NOT_NOW_ACTION)(on_not_now)
    app.command(COMMAND)(ack=ack_only, lazy=[run_command])
    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])
    return app


# ---- running ---------------------------------------------------------------------------------------


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value else ""


def _require(value: SecretStr | None, name: str, hint: str) -> None:
    if not _secret(value):
        raise SystemExit(f"{name} is not set. {hint} Set it in the environment or .env; see docs/slack.md.")


def check_settings(settings: Settings, *, http: bool) -> None:
    """Fail fast, naming the missing variable, before anything connects."""
    _require(settings.slack_bot_token, "SLACK_BOT_TOKEN", BOT_TOKEN_HINT)
    if http:
        _require(
            settings.slack_signing_secret,
            "SLACK_SIGNING_SECRET",
            "HTTP mode verifies every request with the Signing Secret from your app's Basic Information page.",
        )
    else:
        _require(
            settings.slack_app_token,
            "SLACK_APP_TOKEN",
            "Socket Mode needs an App-Level Token (xapp-..., scope connections:write) from Basic "
            "Information > App-Level Tokens; or use HTTP mode (--http) with SLACK_SIGNING_SECRET.",
        )


@contextlib.asynccontextmanager
async def shared_connections(app: AsyncApp) -> AsyncIterator[None]:
    """One connection pool for every Web API call (slack_sdk otherwise opens a session per call)."""
    async with aiohttp.ClientSession() as session:
        app.client.session = session
        try:
            yield
        finally:
            app.client.session = None


async def start_http(app: AsyncApp, *, host: str = "0.0.0.0", port: int = 3000) -> web.AppRunner:
    """Serve Slack's requests on POST /slack/events (and GET /healthz for load balancers)."""
    web_app = app.web_app(path=EVENTS_PATH, port=port)

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def tick_forever(runtime: Runtime) -> None:
    """Periodic catch-up (unanswered inbox rows, overdue moves, due sends) until cancelled."""
    while True:
        await asyncio.sleep(runtime.settings.tick_seconds)
        try:
            await runtime.engine.tick()
        except Exception:
            log.exception("tick failed; trying again in %ss", runtime.settings.tick_seconds)


async def serve(runtime: Runtime, *, http: bool = False, port: int = 3000, host: str = "0.0.0.0") -> None:
    """Run the Slack bot until cancelled: Socket Mode by default, HTTP mode with `http=True`."""
    check_settings(runtime.settings, http=http)
    app = build_app(runtime)
    async with shared_connections(app):
        await runtime.engine.recover()
        ticker = asyncio.create_task(tick_forever(runtime))
        try:
            if http:
                runner = await start_http(app, host=host, port=port)
                log.info("Slack HTTP mode: listening on %s:%s%s", host, port, EVENTS_PATH)
                try:
                    await asyncio.Event().wait()
                finally:
                    await runner.cleanup()
            else:
                from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

                handler = AsyncSocketModeHandler(app, _secret(runtime.settings.slack_app_token))
                log.info("Slack Socket Mode: connecting")
                try:
                    await handler.start_async()
                finally:
                    await handler.close_async()
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
