"""Slack's Bolt app: events, button clicks and `/interviewer` become `Inbound`s or command calls, through
a `SlackSender` registered as the engine's "slack" sender. Socket Mode on a laptop, HTTP mode (several
workers) in production.

Every event is stored in the inbox before Bolt acknowledges it (`process_before_response=True`): the
listener only writes one row, so the ack still leaves within milliseconds, and a failed write answers
500 so that Slack retries. Retries (`X-Slack-Retry-Num`) are never dropped: the inbox's UNIQUE dedupe key
turns a retry of an event we already stored into a no-op.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks, oauth
from adapters.slack.authorize import KeptAuthorization
from adapters.slack.client import BOT_TOKEN_HINT, make_client, secret_value
from adapters.slack.receive import SLACK, action_inbound, command_text, message_inbound
from adapters.slack.web import SlackSender, TextsOf, require_setting
from bot.commands.by_dm import answer_by_dm
from bot.commands.registry import execute
from bot.engine.engine import Engine
from bot.messages import Address
from bot.outreach.cohorts import not_now_in_channel
from bot.patience import patiently
from bot.records.overview import participant_overview, participant_texts
from bot.runtime import Runtime

log = logging.getLogger(__name__)
COMMAND = "/interviewer"
EVENTS_PATH = "/slack/events"
FAILED = "Sorry, that command failed on our side; the error is in the bot's log. Please try again."


def build_app(
    runtime: Runtime,
    *,
    client: AsyncWebClient | None = None,
    bulk_per_second: float = 0.8,
    later: Later | None = None,
) -> AsyncApp:
    """The Bolt app with its listeners; registers a `SlackSender` as the engine's "slack" sender."""
    settings = runtime.settings
    if settings.slack_distributed:
        app, sender = _distributed_app(runtime, bulk_per_second)
    else:
        if client is None:
            require_setting(settings.slack_bot_token, "SLACK_BOT_TOKEN", BOT_TOKEN_HINT)
            client = make_client(settings)
        token = client.token

        async def the_token(_: str) -> str | None:
            return token

        app = AsyncApp(
            name="interviewer",
            client=client,
            # Bolt takes an AsyncAuthorize as it is; its annotation names only plain functions
            authorize=KeptAuthorization(the_token),  # type: ignore[arg-type]
            signing_secret=secret_value(settings.slack_signing_secret),
            process_before_response=True,  # store first, then ack: see the module docstring
        )
        sender = SlackSender(client, bulk_per_second=bulk_per_second, texts_of=_texts_of(runtime))
        oauth.on_removal(app, runtime.store, None, None, sender.forget_workspace)
    runtime.engine.register_sender(SLACK, sender)
    listeners = Listeners(runtime.engine, sender, later or Later())
    app.event("message")(listeners.on_message)
    app.action(blocks.CHOICE_ACTION_PATTERN)(listeners.on_click)
    app.action(blocks.TAKE_PART_ACTION_PATTERN)(listeners.on_click)
    app.action(blocks.NOT_NOW_ACTION)(listeners.on_not_now)
    # Not Bolt's lazy listeners: Bolt deep-copies the request for them, and the shared connection pool
    # on the client cannot be copied (every command and the Home tab answered 500).
    app.command(COMMAND)(listeners.on_command)
    app.event("app_home_opened")(listeners.on_home)
    # Last, so only what no listener above takes (Bolt runs the first that matches): an event or a
    # button the bot has no use for is acknowledged (Socket Mode resends what is not, and HTTP mode
    # would answer 404) and ignored
    app.event(re.compile(".*"))(listeners.ignore)
    app.action(re.compile(".*"))(listeners.ignore)
    return app


class Listeners:
    """What each Slack request does: store an event, or answer a command or the Home tab after the ack."""

    def __init__(self, engine: Engine, sender: SlackSender, later: Later):
        self.engine = engine
        self.sender = sender
        self.later = later

    async def on_message(self, body: dict[str, Any]) -> None:
        inbound = message_inbound(body)
        if inbound is None:
            log.debug("ignored message event %s", (body.get("event") or {}).get("subtype"))
            return
        self.sender.remember_dm(inbound.sender, body["event"].get("channel"))
        await self.engine.receive(inbound)

    async def on_click(self, ack: Any, body: dict[str, Any]) -> None:
        inbound = action_inbound(body)
        if inbound is None:
            log.warning(
                "ignored a click we cannot read: %s", (body.get("actions") or [{}])[0].get("action_id")
            )
        else:  # the payload's channel is not taken as the clicker's DM: only a message event's is
            await self.engine.receive(inbound)
        await ack()

    async def on_not_now(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """In a DM, "Not now" declines that invitation; under a channel post only the clicker sees an
        answer, and only an invited member's invitation is declined."""
        inbound = action_inbound(body)
        channel = (body.get("channel") or {}).get("id") or ""
        if inbound is None or inbound.study_id is None:
            await ack()
        elif channel.startswith("D"):
            await self.engine.receive(inbound)
            await ack()
        else:
            await ack()
            reply = await not_now_in_channel(self.engine, inbound.sender, inbound.study_id)
            await respond(text=reply, response_type="ephemeral", replace_original=False)

    async def ignore(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        log.debug("slack: acknowledged and ignored a request of type %s", body.get("type"))

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        # Slack wants the 200 within 3 seconds and the answer may take longer (listing a channel's members,
        # building an export): acknowledge now, answer through the command's response_url.
        await ack()
        if not isinstance(body.get("response_url"), str):  # every real slash command carries one
            log.warning("slack: a /interviewer request without a response_url was ignored")
            return
        self.later.start(self._answer_command(body, respond))

    async def _answer_command(self, body: dict[str, Any], respond: Any) -> None:
        team = body.get("team_id") or ""
        actor = Address(SLACK, team, body.get("user_id") or "")
        try:
            text = await self.sender.resolve_channel_names(team, command_text(body.get("text") or ""))
            reply = await execute(self.engine, actor, text, later=functools.partial(_respond_again, respond))
        except Exception:
            log.exception("the /interviewer command failed")
            reply = FAILED
        try:
            await _answer(respond, reply)
        except Exception as exc:  # past the response_url's 30 minutes or 5 uses (a long cohort lookup)
            log.info("slack: the command's answer could not go back (%s); sending it by DM", exc)
            await answer_by_dm(self.engine, actor, "command-answer", reply)

    async def on_home(self, ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        if event.get("tab", "home") == "home" and isinstance(event.get("user"), str) and event["user"]:
            self.later.start(self._publish_home(body, event))

    async def _publish_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        who = Address(SLACK, body.get("team_id") or "", event["user"])
        view = blocks.home_view(await participant_overview(self.engine.store, self.engine.catalog, who))
        # views.publish is Tier 4; a 429 asks to wait, which this background work can do
        await patiently(lambda: self.sender.publish_home(who.workspace, event["user"], view))


async def _respond_again(respond: Any, text: str) -> None:
    """One more answer through the command's response_url, seen by the command's author only."""
    await _answer(respond, text, replace_original=False)


async def _answer(respond: Any, text: str, *, replace_original: bool | None = None) -> None:
    """An answer through the command's response_url (valid for 30 minutes, up to 5 uses:
    https://docs.slack.dev/interactivity/handling-user-interaction#message_responses). Raises when
    Slack did not take it (past either bound it answers with an error status), so the caller can
    send it another way."""
    answered = await respond(
        text=blocks.escape_reply(text), response_type="ephemeral", replace_original=replace_original
    )
    status = getattr(answered, "status_code", 200)
    if status != 200:
        raise RuntimeError(f"Slack answered {status} {getattr(answered, 'body', '')!r} to the response_url")


def _distributed_app(runtime: Runtime, bulk_per_second: float) -> tuple[AsyncApp, SlackSender]:
    """The app installed through "Add to Slack": Bolt finds each request's workspace token in the
    installation store, and the sender does the same for everything the bot sends."""
    settings = runtime.settings
    client = make_client(settings)  # no token of its own: each call carries its workspace's
    installations, states = oauth.stores(settings, runtime.store)
    tokens = oauth.InstalledTokens(installations)
    app = AsyncApp(
        name="interviewer",
        client=client,
        authorize=KeptAuthorization(tokens.bot_token),  # type: ignore[arg-type]
        signing_secret=secret_value(settings.slack_signing_secret),
        oauth_flow=oauth.oauth_flow(settings, client, installations, states),
        process_before_response=True,
    )
    sender = SlackSender(client, bulk_per_second=bulk_per_second, tokens=tokens, texts_of=_texts_of(runtime))
    oauth.on_removal(app, runtime.store, installations, tokens, sender.forget_workspace)
    return app, sender


def _texts_of(runtime: Runtime) -> TextsOf:
    """How the sender finds a participant's language for its own words (see `SlackSender._texts`)."""
    return functools.partial(participant_texts, runtime.engine.store, runtime.engine.catalog)


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
