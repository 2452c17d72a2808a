"""Slack's Web API calls beyond sending DMs: workspace tokens, channel members and profiles for cohorts,
channel posts, channel names typed without Slack's escaping, and DM history for the catch-up after downtime.

Each call runs with the bot token of the workspace it concerns: the one configured token, or, for an app
installed through "Add to Slack" in several workspaces, that workspace's token from the installation store.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypedDict

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks
from adapters.slack.client import delivery_errors
from bot.errors import Permanent
from bot.messages import Outbound
from bot.outreach.cohorts import Profile

# Slack recommends at most 200 items per page for cursor-paginated methods; conversations.history gives a
# commercially distributed app not approved for the Marketplace at most 15, whatever it asks for
PAGE = 200
SLACKBOT = "USLACKBOT"
# "#general" as typed when the command's "Escape channels, users, and links" is off: a channel name is
# lowercase letters, digits, hyphens and underscores, at most 80 characters
_PLAIN_CHANNEL = re.compile(r"(?<![<\w&])#([a-z0-9][a-z0-9_-]{0,79})\b")


class Tokens(Protocol):
    """Where a workspace's bot token comes from (`adapters.slack.oauth` keeps installed workspaces')."""

    async def bot_token(self, workspace: str) -> str | None: ...


class Auth(TypedDict, total=False):
    """The keyword arguments that pick a workspace's bot token for a call; empty for the client's own.
    (`token=None` would not do: the methods that keep None arguments then call with no token at all.)"""

    token: str


class SlackDirectory:
    """The calls cohorts and the catch-up need (`bot.outreach.cohorts.Directory`), with per-workspace tokens."""

    # users.info, one call per member in a cohort, is Tier 4: 100+ calls a minute
    # (https://docs.slack.dev/reference/methods/users.info, https://docs.slack.dev/apis/web-api/rate-limits)
    profile_lookups_per_minute = 100
    # users.list, the whole workspace in pages of up to 200 users ("We recommend no more than 200 results
    # at a time"), is Tier 2: 20+ calls a minute (https://docs.slack.dev/reference/methods/users.list)
    profile_pages_per_minute = 20
    profiles_per_page = PAGE

    def __init__(self, client: AsyncWebClient, tokens: Tokens | None = None):
        self.client = client
        self.tokens = tokens  # None: one workspace, the client's own token

    async def auth(self, workspace: str) -> Auth:
        """The keyword that makes a call run as the workspace's bot (nothing for the one configured token).
        A workspace that uninstalled the app has no token: the message fails, but its members are not
        marked unreachable (their DMs are as open as ever; the app may come back)."""
        if self.tokens is None:
            return {}
        token = await self.tokens.bot_token(workspace)
        if token is None:
            raise Permanent(f"Slack: the app is not installed in workspace {workspace}")
        return {"token": token}

    async def _pages(
        self, workspace: str, call: Callable[..., Awaitable[Any]], key: str, **args: Any
    ) -> list[dict[str, Any]] | list[str]:
        """Every item of a cursor-paginated method (https://docs.slack.dev/apis/web-api/pagination)."""
        return await Pages(self, workspace, call, key, **args).read()

    async def channel_members(self, workspace: str, channel: str) -> list[str]:
        """Every member id of a channel (conversations.members, all pages); `profile` tells people apart
        from bots and deactivated accounts."""
        members = await self._pages(workspace, self.client.conversations_members, "members", channel=channel)
        return [str(m) for m in members]

    async def profile(self, workspace: str, user_id: str) -> Profile:
        """The member's time zone, and whether they are a person who can be invited (users.info)."""
        if user_id == SLACKBOT:
            return Profile(None, person=False)
        with delivery_errors():
            response = await self.client.users_info(user=user_id, **await self.auth(workspace))
        return profile_of(response.get("user") or {})

    def profile_pages(self, workspace: str, cursor: str | None = None) -> UserPages:
        """Every user of the workspace with their profile, a page at a time (users.list, scope
        users:read): "all users in the workspace", bots and deactivated accounts too, "in no particular
        order" (https://docs.slack.dev/reference/methods/users.list); from the page `cursor` names, when
        given (a resumed cohort's: Slack may refuse it as `invalid_cursor`, "not valid or is no longer
        valid", and then the caller starts again from the first page)."""
        pages = UserPages(self, workspace, self.client.users_list, "members")
        pages.cursor = cursor
        return pages

    async def resolve_channel_names(self, workspace: str, text: str) -> str:
        """Replace "#name" typed without Slack's escaping by "<#C…|name>" (conversations.list, public and
        private channels the bot can see); a name not found stays as typed."""
        names = set(_PLAIN_CHANNEL.findall(text))
        if not names:
            return text
        channels = await self._pages(
            workspace,
            self.client.conversations_list,
            "channels",
            types="public_channel,private_channel",
            exclude_archived=True,
        )
        ids = {c["name"]: c["id"] for c in channels if isinstance(c, dict) and c.get("name") in names}
        return _PLAIN_CHANNEL.sub(lambda m: f"<#{ids[m[1]]}|{m[1]}>" if m[1] in ids else m[0], text)

    async def post_to_channel(self, workspace: str, channel: str, message: Outbound) -> str:
        """Post a message (e.g. a study invitation with its button) in a channel; return its ts."""
        ts = ""
        auth = await self.auth(workspace)
        for post in blocks.render(message):
            with delivery_errors():
                response = await self.client.chat_postMessage(
                    channel=channel, text=post.text, blocks=post.blocks, unfurl_links=False, **auth
                )
            ts = response["ts"]
        return ts

    async def update_in_channel(
        self, workspace: str, channel: str, message_id: str, message: Outbound
    ) -> None:
        """Replace a channel post's content in place (chat.update), e.g. its participant count."""
        post = blocks.render(message)[-1]
        with delivery_errors():
            await self.client.chat_update(
                channel=channel,
                ts=message_id,
                text=post.text,
                blocks=post.blocks,
                **await self.auth(workspace),
            )

    async def history_after(self, workspace: str, channel: str, oldest: str) -> list[dict[str, Any]]:
        """The messages of a DM channel after the one with ts `oldest`, oldest first
        (conversations.history, scope im:history; https://docs.slack.dev/reference/methods/conversations.history)."""
        return await self.history_pages(workspace, channel, oldest).messages()

    def history_pages(self, workspace: str, channel: str, oldest: str) -> HistoryPages:
        """`history_after` read page by page, keeping its place across rate limits: conversations.history
        allows a commercially distributed app not approved for the Slack Marketplace 1 request a minute
        and 15 messages a page (https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq),
        so every page after the first meets a 429, and starting over would never get past page 2."""
        return HistoryPages(
            self, workspace, self.client.conversations_history, "messages", channel=channel, oldest=oldest
        )


class Pages:
    """The pages of one cursor-paginated call, read in order. A call that fails (a 429's `RateLimited`)
    raises with the cursor and the items read so far kept: `read` again goes on from that page."""

    def __init__(
        self,
        directory: SlackDirectory,
        workspace: str,
        call: Callable[..., Awaitable[Any]],
        key: str,
        **args: Any,
    ):
        self.directory, self.workspace, self.call, self.key, self.args = directory, workspace, call, key, args
        self.items: list[Any] = []
        self.cursor: str | None = None
        self.pages = 0  # pages read so far: progress, for whoever waits out a rate limit
        self.done = False

    async def read(self) -> list[Any]:
        """Every item, oldest page first: the pages still unread are fetched, then all items returned."""
        while not self.done:
            self.items += await self.read_page()
        return self.items

    async def read_page(self) -> list[Any]:
        """The next page's items (not kept in `items`); a failed call raises and leaves the cursor."""
        auth = await self.directory.auth(self.workspace)
        cursor = {"cursor": self.cursor} if self.cursor else {}
        with delivery_errors():
            response = await self.call(**self.args, **auth, limit=PAGE, **cursor)
        self.pages += 1
        self.cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        self.done = not self.cursor
        return list(response.get(self.key) or [])


class UserPages(Pages):
    """users.list's pages as profiles by user id (`bot.outreach.cohorts.ProfilePages`)."""

    async def next_page(self) -> dict[str, Profile]:
        users = await self.read_page()
        return {str(u["id"]): profile_of(u) for u in users if isinstance(u, dict) and u.get("id")}


def profile_of(user: dict[str, Any]) -> Profile:
    """A user object's time zone, and whether it is a person who can be invited: not a bot, a workflow
    bot, Slackbot (USLACKBOT, whatever its flags say) or a deactivated account."""
    bot = user.get("is_bot") or user.get("is_workflow_bot") or user.get("id") == SLACKBOT
    return Profile(user.get("tz"), person=not (bot or user.get("deleted")))


class HistoryPages(Pages):
    """conversations.history's pages (newest first, whatever the page size): sorted once all are read."""

    async def messages(self) -> list[dict[str, Any]]:
        found = [m for m in await self.read() if isinstance(m, dict)]
        return sorted(found, key=lambda m: float(m.get("ts") or 0))
