"""Slack: events, button clicks and `/interviewer` become `Inbound`s or command calls; `Outbound`s become
DM posts with Block Kit buttons. Socket Mode on a laptop, HTTP mode (several workers) in production.

Every event is stored in the inbox before Bolt acknowledges it (`process_before_response=True`): the
listener only writes one row, so the ack still leaves within milliseconds, and a failed write answers
500 so that Slack retries. Retries (`X-Slack-Retry-Num`) are never dropped: the inbox's UNIQUE dedupe key
turns a retry of an event we already stored into a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack import oauth as slack_oauth
from adapters.slack.web import BOT_TOKEN_HINT, SlackSender, make_client, require_setting, secret_value
from bot.commands import registry as commands
from bot.interview.texts import NOT_NOW
from bot.messages import Address, Inbound, utcnow
from bot.outreach.cohorts import not_now_in_channel
from bot.records.overview import participant_overview
from bot.runtime import Runtime

log = logging.getLogger(__name__)
SLACK = "slack"
COMMAND = "/interviewer"
EVENTS_PATH = "/slack/events"
# Message subtypes that carry something a person wrote; edits, deletions, joins and bots are ignored.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast", "me_message"})
_TS = re.compile(r"^\d{9,11}\.\d{1,6}$")


# ---- receiving -------------------------------------------------------------------------------------


def message_key(team: str, channel: str, ts: str) -> str:
    """One key per Slack message, whether it came as an event, a retry of it, or from the history read
    after downtime (a message's `ts` is unique in its channel)."""
    return f"slack:{team}:{channel}:{ts}"


def message_inbound(body: dict[str, Any]) -> Inbound | None:
    """A person's DM as an `Inbound`; None for what we ignore on purpose (bots, edits, deletions...)."""
    event = body.get("event") or {}
    if event.get("type") != "message" or event.get("channel_type") != "im":
        return None
    team = body.get("team_id") or event.get("team") or ""
    return history_inbound(team, event.get("channel") or "", event, live=True)


def history_inbound(
    team: str, channel: str, message: dict[str, Any], *, live: bool = False
) -> Inbound | None:
    """A message of a DM channel (an event's `event`, or an item of conversations.history) as an
    `Inbound`, keyed by channel and ts so that either way of receiving it is the same event. A message
    read from the history counts as received when it was sent: it has long been quiet."""
    if message.get("bot_id") or message.get("subtype") not in PERSON_SUBTYPES or not message.get("user"):
        return None
    ts = str(message.get("ts") or "")
    if not ts:
        return None
    sent_at = datetime.fromtimestamp(float(ts), UTC) if _TS.match(ts) and not live else None
    return Inbound(
        sender=Address(SLACK, team, message["user"]),
        dedupe_key=message_key(team, channel, ts),
        text=blocks.plain_text(message.get("text") or ""),
        attachments=len(message.get("files") or []),
        **({"received_at": min(sent_at, utcnow())} if sent_at else {}),
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
    runtime: Runtime,
    *,
    client: AsyncWebClient | None = None,
    bulk_per_second: float = 0.8,
    later: Later | None = None,
) -> AsyncApp:
    """The Bolt app with its listeners; registers a `SlackSender` as the engine's "slack" sender."""
    settings, engine = runtime.settings, runtime.engine
    if settings.slack_distributed:
        app, sender = _distributed_app(runtime, bulk_per_second)
    else:
        if client is None:
            require_setting(settings.slack_bot_token, "SLACK_BOT_TOKEN", BOT_TOKEN_HINT)
            client = make_client(settings)
        app = AsyncApp(
            name="interviewer",
            client=client,
            signing_secret=secret_value(settings.slack_signing_secret),
            process_before_response=True,  # store first, then ack: see the module docstring
        )
        sender = SlackSender(client, bulk_per_second=bulk_per_second)
    engine.register_sender(SLACK, sender)
    later = later or Later()

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

    async def answer_command(body: dict[str, Any], respond: Any) -> None:
        team = body.get("team_id") or ""
        actor = Address(SLACK, team, body.get("user_id") or "")
        try:
            text = await sender.resolve_channel_names(team, command_text(body.get("text") or ""))
            reply = await commands.execute(engine, actor, text)
        except Exception:
            log.exception("the /interviewer command failed")
            reply = "Sorry, that command failed on our side; the error is in the bot's log. Please try again."
        await respond(text=blocks.escape_reply(reply), response_type="ephemeral")

    async def on_command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        # Slack wants the 200 within 3 seconds and the answer may take longer (listing a channel's members,
        # building an export): acknowledge now, answer through the command's response_url.
        await ack()
        later.start(answer_command(body, respond))

    async def publish_home(body: dict[str, Any], event: dict[str, Any]) -> None:
        who = Address(SLACK, body.get("team_id") or "", event["user"])
        view = blocks.home_view(await participant_overview(engine.store, engine.catalog, who))
        await sender.publish_home(who.workspace, event["user"], view)

    async def on_home(ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab", "home") == "home" and event.get("user"):
            later.start(publish_home(body, event))

    app.event("message")(on_message)
    app.action(blocks.CHOICE_ACTION_PATTERN)(on_click)
    app.action(blocks.TAKE_PART_ACTION_PATTERN)(on_click)
    app.action(blocks.NOT_NOW_ACTION)(on_not_now)
    # Not Bolt's lazy listeners: Bolt deep-copies the request for them, and the shared connection pool
    # on the client cannot be copied (every command and the Home tab answered 500).
    app.command(COMMAND)(on_command)
    app.event("app_home_opened")(on_home)
    return app


def _distributed_app(runtime: Runtime, bulk_per_second: float) -> tuple[AsyncApp, SlackSender]:
    """The app installed through "Add to Slack": Bolt finds each request's workspace token in the
    installation store, and the sender does the same for everything the bot sends."""
    settings = runtime.settings
    client = make_client(settings)  # no token of its own: each call carries its workspace's
    installations, states = slack_oauth.stores(settings, runtime.store)
    tokens = slack_oauth.InstalledTokens(installations)
    app = AsyncApp(
        name="interviewer",
        client=client,
        signing_secret=secret_value(settings.slack_signing_secret),
        oauth_flow=slack_oauth.oauth_flow(settings, client, installations, states),
        process_before_response=True,
    )
    sender = SlackSender(client, bulk_per_second=bulk_per_second, tokens=tokens)
    slack_oauth.on_removal(app, runtime.store, installations, tokens, sender.forget_workspace)
    return app, sender


def command_text(wire: str) -> str:
    """The text after `/interviewer` as typed: Slack escapes `&`, `<` and `>` as entities; escaped channel
    references (`<#C123|general>`) stay as they are, for the invite command to read."""
    return wire.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Later:
    """Work an acknowledged request still owes (command answers, Home tab views), run after the ack;
    `drain` waits for it at shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("work after a Slack request failed", exc_info=task.exception())

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
