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
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters import slack_blocks as blocks
from adapters.slack_web import (
    BOT_TOKEN_HINT,
    SlackSender,
    make_client,
    secret_value,
)
from bot import commands
from bot.cohorts import not_now_in_channel
from bot.interview import NOT_NOW
from bot.messages import Address, Inbound
from bot.overview import participant_overview
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)
SLACK = "slack"
COMMAND = "/interviewer"
EVENTS_PATH = "/slack/events"
# Message subtypes that carry something a person wrote; edits, deletions, joins and bots are ignored.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})


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
        signing_secret=secret_value(settings.slack_signing_secret),
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


def _require(value: SecretStr | None, name: str, hint: str) -> None:
    if not secret_value(value):
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

                handler = AsyncSocketModeHandler(app, secret_value(runtime.settings.slack_app_token))
                log.info("Slack Socket Mode: connecting")
                try:
                    await handler.start_async()
                finally:
                    await handler.close_async()
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
