"""Slack distribution: "Add to Slack" (Bolt's OAuth flow) installs the app in any number of workspaces;
slack_sdk's SQLAlchemy stores keep each workspace's bot token, and the OAuth states, in our database.

Every call the bot makes then runs with the token of the workspace it concerns (`InstalledTokens`); a
workspace that uninstalls the app (`app_uninstalled`) or revokes its token (`tokens_revoked`) is
forgotten, and what was still waiting to be sent there is cancelled.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import secret_value
from bot.engine.workspaces import stop_sending
from bot.settings import Settings
from bot.storage import Store

log = logging.getLogger(__name__)
# The bot scopes "Add to Slack" asks for: the same as adapters/slack/manifest.yaml (a test keeps them equal)
SCOPES = (
    "chat:write",
    "channels:read",
    "groups:read",
    "im:history",
    "im:write",
    "commands",
    "files:write",
    "users:read",
)
STATE_SECONDS = 600  # an "Add to Slack" link works for ten minutes
TOKEN_CACHE_SECONDS = 60.0


class InstalledTokens:
    """Each workspace's bot token from the installation store (`adapters.slack.directory.Tokens`),
    cached for a minute; `forget` drops a workspace at once when it uninstalls."""

    def __init__(self, installations: AsyncSQLAlchemyInstallationStore):
        self.installations = installations
        self._cache: dict[str, tuple[str | None, float]] = {}

    async def bot_token(self, workspace: str) -> str | None:
        cached = self._cache.get(workspace)
        if cached is not None and time.monotonic() - cached[1] < TOKEN_CACHE_SECONDS:
            return cached[0]
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=workspace)
        token = bot.bot_token if bot is not None else None
        self._cache[workspace] = (token, time.monotonic())
        return token

    def forget(self, workspace: str) -> None:
        self._cache.pop(workspace, None)


def stores(
    settings: Settings, store: Store
) -> tuple[AsyncSQLAlchemyInstallationStore, AsyncSQLAlchemyOAuthStateStore]:
    """slack_sdk's stores on our database (their tables come with our migrations)."""
    client_id = settings.slack_client_id or ""
    installations = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=store.engine, logger=log)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=store.engine, logger=log)
    return installations, states


def oauth_flow(settings: Settings, client: AsyncWebClient, installations: Any, states: Any) -> AsyncOAuthFlow:
    """GET /slack/install (the "Add to Slack" page) and GET /slack/oauth_redirect (Slack's answer)."""
    return AsyncOAuthFlow(
        client=client,  # oauth.v2.access and auth.test go to SLACK_API_URL
        logger=log,
        settings=AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=secret_value(settings.slack_client_secret),
            scopes=list(SCOPES),
            redirect_uri=settings.slack_redirect_uri,
            authorization_url=settings.slack_authorize_url,
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=states,
        ),
    )


def on_removal(
    app: AsyncApp, store: Store, installations: Any, tokens: InstalledTokens | None, forget: Any
) -> None:
    """Listen for a workspace removing the app: its installation is deleted (Bolt's own listeners), its
    token forgotten, and nothing more is sent there. A single-workspace app (`installations` None, the
    token from SLACK_BOT_TOKEN) cancels what waits to go there the same way: the token is dead, and
    the manifest subscribes to both events, which Slack must see answered 200
    (https://docs.slack.dev/reference/events/app_uninstalled, .../tokens_revoked)."""
    revocation = AsyncTokenRevocationListeners(installations) if installations is not None else None

    async def stopped(team: str) -> None:
        if tokens is not None:
            tokens.forget(team)
        forget(team)
        cancelled = await stop_sending(store, "slack", team)
        log.warning("slack: workspace %s removed the app; %d unsent message(s) cancelled", team, cancelled)
        if tokens is None:
            log.error(
                "slack: SLACK_BOT_TOKEN no longer works in workspace %s; install the app again and "
                "restart the bot with the new token",
                team,
            )

    async def uninstalled(ack: Any, context: AsyncBoltContext) -> None:
        await ack()
        if revocation is not None:
            await revocation.handle_app_uninstalled_events(context)
        await stopped(context.team_id or "")

    async def revoked(ack: Any, event: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        if revocation is not None:
            await revocation.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            await stopped(context.team_id or "")

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)
