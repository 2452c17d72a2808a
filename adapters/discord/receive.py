"""Discord events as `Inbound`s: a person's DM, a button click, "Take part" under a channel post.

Participants are addressed as Address("discord", "dm", <user id>) wherever they write or click from.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.views import ChoiceClick
from bot.messages import Address, Inbound

PLATFORM = "discord"
DM_WORKSPACE = "dm"


def participant(user_id: int | str) -> Address:
    return Address(PLATFORM, DM_WORKSPACE, str(user_id))


def message_inbound(message: discord.Message) -> Inbound | None:
    """A DM from a person becomes an Inbound; bots, webhooks, servers and system messages are ignored."""
    if message.author.bot or message.webhook_id is not None:
        return None
    if message.guild is not None or not isinstance(message.channel, discord.DMChannel):
        return None  # a server message (its guild may not be cached, so check the channel too)
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return None
    return Inbound(
        participant(message.author.id),
        f"discord:msg:{message.id}",
        text=message.content,
        attachments=len(message.attachments),
        display_name=message.author.display_name,
    )


def click_inbound(interaction: discord.Interaction[Any], click: ChoiceClick) -> Inbound:
    """A choice button click. When only the index fit in the custom_id, it arrives as the typed number."""
    by_index = click.value is None
    return Inbound(
        participant(interaction.user.id),
        f"discord:ix:{interaction.id}",
        text=str(click.index) if by_index else "",
        prompt=None if by_index else click.prompt,
        choice=click.value,
        interview_id=click.interview_id,
        display_name=interaction.user.display_name,
    )


def take_part_inbound(interaction: discord.Interaction[Any], study_id: str) -> Inbound:
    return Inbound(
        participant(interaction.user.id),
        f"discord:ix:{interaction.id}",
        prompt="start",
        choice="start",
        study_id=study_id,
        display_name=interaction.user.display_name,
    )


def actor_address(interaction: discord.Interaction[Any]) -> Address:
    """Who runs a slash command; `bot.commands` matches them as discord:<user id>."""
    workspace = str(interaction.guild_id) if interaction.guild_id else DM_WORKSPACE
    return Address(PLATFORM, workspace, str(interaction.user.id))
