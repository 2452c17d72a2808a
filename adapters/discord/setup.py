"""Setting up the Discord bot: the install link with exactly the permissions it needs, and the
application id read from the bot token."""

from __future__ import annotations

import base64

import discord

# View Channels + Send Messages: enough to post an invitation with a button in a channel. DMs, edits of
# our own messages and interaction replies need no server permission.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True)
SCOPES = ("bot", "applications.commands")


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
