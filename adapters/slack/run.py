"""Running the Slack bot: settings checked up front, HTTP mode or Socket Mode, one connection pool, the
process's scheduler as its only periodic loop, and the catch-up on messages sent while it was down."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import socket
from collections.abc import AsyncIterator, Coroutine
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import EVENTS_PATH, Later, build_app
from adapters.slack.authorize import refuse_rejected_tokens
from adapters.slack.catchup import catch_up, plan_catch_up
from adapters.slack.client import BOT_TOKEN_HINT, secret_value
from adapters.slack.receive import SLACK
from adapters.slack.shapes import slack_shaped
from adapters.slack.web import SlackSender, require_setting
from bot.engine.catchup import hold_unfinished
from bot.messages import Address
from bot.outreach.cohort_run import stop_cohort_runs
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)
BODY_SECONDS = 10.0  # Slack sends a whole request at once; a peer that takes longer holds a connection
# aiohttp closes a connection that has no complete request this long after it opened (or after its last
# answer): headers that never finish (a "slowloris" peer) hold a connection at most this long
IDLE_SECONDS = 15.0
# Slack retries an event answered with anything but a 2xx, three times, unless the answer carries this
# header ("Turning retries off", https://docs.slack.dev/apis/events-api/#retries): sent with a 400 only,
# since a body of the wrong shape is refused the same every time, while a 500 (Slack could not confirm
# the token) is answered on a retry
NO_RETRY = {"X-Slack-No-Retry": "1"}


def check_settings(settings: Settings, *, http: bool) -> None:
    """Fail fast, naming the missing variable, before anything connects."""
    if settings.slack_distributed:
        if not http:
            raise SystemExit(
                'SLACK_CLIENT_ID is set, so the app is installed with "Add to Slack" in several workspaces: '
                "run it in HTTP mode (--http) behind a public HTTPS URL; see docs/slack.md."
            )
        require_setting(
            settings.slack_client_secret,
            "SLACK_CLIENT_SECRET",
            '"Add to Slack" needs the Client Secret from your app\'s Basic Information page.',
        )
    else:
        require_setting(settings.slack_bot_token, "SLACK_BOT_TOKEN", BOT_TOKEN_HINT)
    if http:
        require_setting(
            settings.slack_signing_secret,
            "SLACK_SIGNING_SECRET",
            "HTTP mode verifies every request with the Signing Secret from your app's Basic Information page.",
        )
    else:
        require_setting(
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


def _ssl_check(body: bytes) -> bool:
    """Slack's probe of a slash command's TLS certificate (a form with ssl_check=1,
    https://docs.slack.dev/interactivity/implementing-slash-commands/): it only needs a 200."""
    return parse_qs(body.decode("utf-8", "replace")).get("ssl_check") == ["1"]


def _rate_limited_notice(body: bytes) -> bool:
    """Slack's `app_rate_limited` notice, sent to the request URL when a workspace's events passed 30,000
    an hour and the rest of that minute's events were dropped
    (https://docs.slack.dev/reference/events/app_rate_limited). No Bolt listener can take it (it is no
    `event_callback`), and Bolt would answer 404: it is answered 200 here and logged, since events of
    that workspace were lost (the catch-up at the next start reads DMs written meanwhile)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return False
    if not isinstance(data, dict) or data.get("type") != "app_rate_limited":
        return False
    log.warning(
        "slack: Slack dropped events of workspace %s for a minute (app_rate_limited, minute %s); "
        "messages sent then are read back at the bot's next start",
        data.get("team_id"),
        data.get("minute_rate_limited"),
    )
    return True


def signed_only(signing_secret: str) -> Any:
    """aiohttp middleware: a POST to the events path must carry Slack's signature before Bolt parses it.

    https://docs.slack.dev/authentication/verifying-requests-from-slack/ : the signature is v0= and the
    HMAC-SHA256 of "v0:{X-Slack-Request-Timestamp}:{body}" under the Signing Secret, and a timestamp more
    than five minutes from now is refused. Bolt checks the same, but only after parsing the body, so an
    unsigned peer's malformed body (or a timestamp that is no number) made it answer 500 and log an
    ERROR; here anything unsigned is 401 with nothing read but the bytes, and a signed body Bolt cannot
    parse is 400, with `X-Slack-No-Retry: 1` since a retry would be refused the same."""
    verifier = SignatureVerifier(signing_secret)

    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method != "POST" or request.path != EVENTS_PATH:
            response: web.StreamResponse = await handler(request)
            return response
        try:  # the body limit (client_max_size) answers 413 first; a body trickling in is cut off
            async with asyncio.timeout(BODY_SECONDS):
                body = await request.read()
        except TimeoutError:
            return web.Response(status=408)
        if _ssl_check(body):  # answered before any check, as Bolt does: it carries nothing and asks nothing
            return web.Response(status=200)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp.isascii() and timestamp.isdigit()) or not verifier.is_valid(
            body, timestamp, signature
        ):
            return web.Response(status=401)
        if not slack_shaped(body):
            return web.Response(status=400, headers=NO_RETRY)
        if _rate_limited_notice(body):
            return web.Response(status=200)
        try:
            response = await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - a signed request Bolt could not parse; its body is not logged
            log.warning("a signed Slack request could not be handled (%s)", type(exc).__name__)
            return web.Response(status=400, headers=NO_RETRY)
        return response

    return check


async def start_http(
    app: AsyncApp, *, signing_secret: str, host: str = "0.0.0.0", port: int = 3000
) -> web.AppRunner:
    """Serve Slack's requests on POST /slack/events (and GET /healthz for load balancers)."""
    web_app = app.web_app(path=EVENTS_PATH, port=port)
    web_app.middlewares.append(signed_only(signing_secret))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    web_app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(web_app, access_log=None, keepalive_timeout=IDLE_SECONDS)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def serve(runtime: Runtime, *, http: bool = False, port: int = 3000, host: str = "0.0.0.0") -> None:
    """Run the Slack bot until cancelled: Socket Mode by default, HTTP mode with `http=True`."""
    check_settings(runtime.settings, http=http)
    later = Later()
    app = build_app(runtime, later=later)
    async with shared_connections(app):
        await refuse_rejected_tokens(app.client, runtime.settings, http=http)
        with runtime.running_scheduler():  # it also finishes, at once, what a previous stop interrupted
            planned = await plan_catch_up(runtime.engine)  # before any live message is stored
            sender = runtime.engine.dispatcher.senders[SLACK]
            catching_up = asyncio.create_task(_catch_up(runtime, sender, planned), name="slack-catch-up")
            try:
                if http:
                    await _serve_http(app, secret_value(runtime.settings.slack_signing_secret), host, port)
                else:
                    # imported only here: HTTP mode, the production one, never loads the websocket client
                    from adapters.slack.socket_mode import serve_socket_mode

                    await serve_socket_mode(app, secret_value(runtime.settings.slack_app_token))
            finally:
                # a catch-up waiting out a rate limit (a minute a page for some apps) does not hold up the
                # stop: what it had not fed is read again, from the same place, at the next start
                catching_up.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await catching_up
                # nor do a cohort's profile lookups (minutes for thousands): the next start resumes them
                await stop_cohort_runs(runtime.engine)
                await later.drain()


async def serving(runtime: Runtime, **options: Any) -> Coroutine[Any, Any, None]:
    """`serve(runtime, **options)`, to be awaited once the scheduler runs. Before that, the participants
    whose read-back the last stop cut short are held (`bot.engine.catchup.hold_unfinished`) so that the
    scheduler's first tick does not answer, before their history, what they wrote live during it; this
    run's catch-up reads them and releases them."""
    await hold_unfinished(runtime.store, SLACK, runtime.engine.hold)
    return serve(runtime, **options)


async def _catch_up(runtime: Runtime, sender: object, planned: list[tuple[Address, str]]) -> None:
    """Read what participants wrote while the bot was down, in the background (live events and the
    scheduler go on meanwhile), then ask for a tick to answer it now."""
    assert isinstance(sender, SlackSender)
    try:
        await catch_up(runtime.engine, sender, planned)
    except Exception:
        log.exception("slack: reading back what was written while the bot was down failed")
    finally:
        runtime.wake()


async def _serve_http(app: AsyncApp, signing_secret: str, host: str, port: int) -> None:
    try:
        runner = await start_http(app, signing_secret=signing_secret, host=host, port=port)
    except OSError as exc:  # a --host that names nothing here: not a network problem with Slack
        if not isinstance(exc, socket.gaierror) and exc.errno != errno.EADDRNOTAVAIL:
            raise  # a port in use, or one below 1024 without the right: bot.cli.errors names them
        raise SystemExit(
            f"--host {host!r} is not a name or address of this machine ({exc.strerror or exc}); "
            "use 0.0.0.0 to listen on every interface, or 127.0.0.1 for this machine only"
        ) from None
    log.info("Slack HTTP mode: listening on %s:%s%s", host, port, EVENTS_PATH)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
