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
    given = str(application_id).strip()
    # a Discord id is a snowflake: ASCII digits of a positive 64-bit integer (https://discord.com/developers/docs/reference#snowflakes)
    if not (given.isascii() and given.isdigit() and 0 < int(given[:20]) < 2**64 and len(given) <= 20):
        raise ValueError(
            f"{given[:30]!r}{'...' if len(given) > 30 else ''} is not an application id; copy the numeric Application ID from "
            "the Developer Portal (General Information)"
        )
    return discord.utils.oauth_url(given, permissions=PERMISSIONS, scopes=SCOPES)


def application_id_from_token(token: str) -> str:
    """The bot's user id, encoded in the token's first part; it equals the application id."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            "DISCORD_TOKEN does not look like a bot token; copy it again from Bot > Reset Token"
        ) from exc
    if not (decoded.isascii() and decoded.isdigit()):
        raise ValueError("DISCORD_TOKEN does not look like a bot token; copy it again from Bot > Reset Token")
    return decoded
