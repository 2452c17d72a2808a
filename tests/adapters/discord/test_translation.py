"""Discord: the translation between discord.py objects and the bot's messages, without a connection."""

from __future__ import annotations

import types
from typing import Any

import discord
import pytest

from adapters.discord.receive import click_inbound, message_inbound, take_part_inbound
from adapters.discord.send import delivery_error
from adapters.discord.setup import PERMISSIONS, application_id_from_token, invite_url
from adapters.discord.views import (
    CHUNK,
    ChoiceClick,
    answered_view,
    choice_custom_id,
    choice_view,
    nonce_for,
    parse_custom_id,
    sanitize,
    split_text,
)
from bot.errors import Permanent, RateLimited, Transient, Unreachable
from bot.messages import Address, Choice, Outbound
from tests.support.discord_world import Bot, buttons
from tests.support.fakes.discord_api import FakeDiscord

# ---- pure translation --------------------------------------------------------------------------------


def _state(fake: FakeDiscord) -> Any:
    """discord.py's connection state as after login, without a connection: enough to build its objects."""
    state = discord.Client(intents=discord.Intents(guilds=True, dm_messages=True))._connection
    state.user = discord.ClientUser(state=state, data=fake.bot)
    return state


def _message(state: Any, payload: dict[str, Any]) -> discord.Message:
    channel, _ = state._get_guild_channel(payload)  # what discord.py does for MESSAGE_CREATE
    return discord.Message(state=state, channel=channel, data=payload)


async def test_dm_message_becomes_inbound_keyed_by_message_id() -> None:
    fake = FakeDiscord()
    payload = fake.message_create("4242", "I mostly use it for drafts.", attachments=2)
    inbound = message_inbound(_message(_state(fake), payload))
    assert inbound is not None
    assert inbound.sender == Address("discord", "dm", "4242")
    assert inbound.dedupe_key == f"discord:msg:{payload['id']}"
    assert (inbound.text, inbound.attachments, inbound.is_click) == ("I mostly use it for drafts.", 2, False)


async def test_bot_and_server_messages_are_ignored() -> None:
    fake = FakeDiscord()
    state = _state(fake)
    own = fake._message_payload(fake.dm_channel_id("4242"), fake.bot, "our own words")
    in_server = fake._message_payload(fake.guild_channel()["id"], fake.user("4242"), "hello channel")
    assert message_inbound(_message(state, own)) is None
    assert message_inbound(_message(state, in_server)) is None


async def test_button_interaction_becomes_click_inbound() -> None:
    fake = FakeDiscord()
    message = fake._message_payload(fake.dm_channel_id("4242"), fake.bot, "How satisfied?")
    payload = fake.component_interaction("4242", message, "iv:17:survey:satisfaction:6")
    interaction = discord.Interaction(data=payload, state=_state(fake))
    click = parse_custom_id(payload["data"]["custom_id"])
    assert click == ChoiceClick(17, "survey:satisfaction", "6")
    inbound = click_inbound(interaction, click)
    assert inbound.sender == Address("discord", "dm", "4242")
    assert inbound.dedupe_key == f"discord:ix:{payload['id']}"
    assert (inbound.prompt, inbound.choice, inbound.interview_id) == ("survey:satisfaction", "6", 17)


async def test_take_part_click_in_a_server_addresses_the_member_in_dms() -> None:
    fake = FakeDiscord()
    channel = fake.guild_channel()
    message = fake._message_payload(channel["id"], fake.bot, "Join our study")
    interaction = discord.Interaction(
        data=fake.component_interaction("4242", message, "take-part:pilot-study"), state=_state(fake)
    )
    inbound = take_part_inbound(interaction, "pilot-study")
    assert inbound.sender == Address("discord", "dm", "4242")
    assert (inbound.prompt, inbound.choice, inbound.study_id) == ("start", "start", "pilot-study")


async def test_outbound_choices_become_persistent_buttons_with_stable_custom_ids() -> None:
    out = Outbound(
        "k",
        Address("discord", "dm", "1"),
        "Your role?",
        prompt="screen:role",
        interview_id=9,
        choices=(Choice("Engineer", "Engineer"), Choice("x" * 120, "x" * 120)),
        outbox_id=5,
    )
    view = choice_view(out)
    assert view is not None and view.timeout is None and view.is_persistent()
    shown = [b for row in view.to_components() for b in row["components"]]
    assert [b["custom_id"] for b in shown] == ["iv:9:screen:role:Engineer", "ix:9:screen:role:2"]
    assert len(shown[1]["label"]) == 80 and shown[1]["label"].endswith("…")
    assert parse_custom_id("ix:9:screen:role:2") == ChoiceClick(9, "screen:role", index=2)
    assert parse_custom_id("ix:9:screen:role:two") is None and parse_custom_id("take-part:x") is None
    assert choice_view(Outbound("k", out.to, "no buttons")) is None
    answered = [b for row in answered_view(out, "Engineer").to_components() for b in row["components"]]
    assert all(b["disabled"] for b in answered)
    assert answered[0]["style"] == discord.ButtonStyle.success.value


async def test_index_only_click_arrives_as_the_typed_number() -> None:
    fake = FakeDiscord()
    message = fake._message_payload(fake.dm_channel_id("4242"), fake.bot, "Your role?")
    interaction = discord.Interaction(
        data=fake.component_interaction("4242", message, "ix:9:screen:role:2"), state=_state(fake)
    )
    inbound = click_inbound(interaction, parse_custom_id("ix:9:screen:role:2"))  # type: ignore[arg-type]
    assert (inbound.text, inbound.choice, inbound.interview_id) == ("2", None, 9)


def test_custom_ids_fit_discords_limit() -> None:
    longest_slug = "s" * 63
    custom_id = choice_custom_id(2**40, f"survey:{longest_slug}", "v" * 90, 7)
    assert len(custom_id) <= 100 and parse_custom_id(custom_id) == ChoiceClick(
        2**40, f"survey:{longest_slug}", index=7
    )


async def test_options_with_the_same_text_get_distinct_custom_ids_the_fake_accepts(
    bot: Bot, fake: FakeDiscord
) -> None:
    """Discord refuses a message whose components share a custom_id; a study may repeat an option."""
    twice = Outbound(
        "dup-1",
        Address("discord", "dm", "555"),
        "Which level?",
        (Choice("Primary", "Primary"), Choice("Primary", "Primary"), Choice("Other", "Other")),
        prompt="screen:level",
        interview_id=9,
    )
    message_id = await bot.client.sender.send(twice)
    ids = [b["custom_id"] for b in buttons(fake.messages[message_id])]
    assert len(set(ids)) == 3 and ids[0] == "ix:9:screen:level:1" and ids[2] == "iv:9:screen:level:Other"
    assert parse_custom_id(ids[1]) == ChoiceClick(9, "screen:level", index=2)


def test_split_text_cuts_at_paragraphs_first() -> None:
    paragraphs = ["First paragraph. " * 60, "Second paragraph. " * 60, "Third."]
    pieces = split_text("\n\n".join(p.strip() for p in paragraphs))
    assert [len(p) <= CHUNK for p in pieces] == [True] * len(pieces)
    assert pieces[0] == paragraphs[0].strip()
    assert pieces[-1].endswith("Third.")


def test_split_text_falls_back_to_sentences_words_and_hard_cuts() -> None:
    sentences = "This is one sentence that goes on. " * 100
    pieces = split_text(sentences, 500)
    assert all(len(p) <= 500 for p in pieces) and all(p.endswith(".") for p in pieces)
    words = "word " * 400
    assert all(len(p) <= 300 and not p.endswith(" ") for p in split_text(words, 300))
    blob = "x" * 4500
    assert [len(p) for p in split_text(blob, 2000)] == [2000, 2000, 500]
    assert split_text("   ") == []


def test_split_text_never_cuts_inside_a_code_span_or_block() -> None:
    span = "`stop or withdraw at any time`"
    pieces = split_text("word, " * 40 + span + " then more words", 250)
    assert all(p.count("`") % 2 == 0 for p in pieces) and any(span in p for p in pieces), pieces
    block = "Commands:\n```\n" + "stop\npause\n" * 30 + "```\nThat is all."
    assert all(p.count("```") % 2 == 0 for p in split_text("intro " * 10 + block, 400)), "block kept whole"
    long_block = "```\n" + "a line of code\n" * 100 + "```"
    assert all(len(p) <= 300 for p in split_text(long_block, 300)), "code longer than a piece is cut at lines"


def test_mass_and_user_mentions_are_defused() -> None:
    text = "Hi @everyone and @here, ask <@123456789012345678> or <@&123456789012345678>"
    safe = sanitize(text)
    for mention in ("@everyone", "@here", "<@123456789012345678>", "<@&123456789012345678>"):
        assert mention not in safe
    assert safe.replace("\u200b", "") == text


def test_nonce_comes_from_the_outbox_id_and_fits() -> None:
    out = Outbound("i3:7", Address("discord", "dm", "1"), "hi", outbox_id=10**18)
    assert nonce_for(out, 0) != nonce_for(out, 1)
    assert nonce_for(out, 3) == nonce_for(Outbound("other", out.to, "x", outbox_id=10**18), 3)
    assert all(len(nonce_for(o, 12)) <= 25 for o in (out, Outbound("k" * 200, out.to, "hi")))


def _http_error(
    cls: type[discord.HTTPException], status: int, code: int, headers: dict[str, str] | None = None
):
    response = types.SimpleNamespace(status=status, reason="x", headers=headers or {})
    return cls(response, {"code": code, "message": "fake"})  # type: ignore[arg-type]


def test_discord_errors_map_to_delivery_errors() -> None:
    assert isinstance(delivery_error(_http_error(discord.Forbidden, 403, 50007)), Unreachable)
    assert isinstance(delivery_error(_http_error(discord.NotFound, 404, 10013)), Unreachable)
    assert isinstance(delivery_error(_http_error(discord.HTTPException, 400, 50033)), Unreachable)
    assert isinstance(delivery_error(_http_error(discord.Forbidden, 403, 50001)), Permanent)
    assert isinstance(delivery_error(_http_error(discord.HTTPException, 400, 50035)), Permanent)
    assert isinstance(delivery_error(_http_error(discord.DiscordServerError, 503, 0)), Transient)
    limited = delivery_error(_http_error(discord.HTTPException, 429, 0, {"Retry-After": "12"}))
    assert isinstance(limited, RateLimited) and limited.retry_after == 12
    assert isinstance(delivery_error(discord.RateLimited(45.0)), RateLimited)
    assert isinstance(delivery_error(ConnectionResetError()), Transient)
    assert delivery_error(ValueError()) is None


def test_invite_url_asks_for_exactly_the_needed_scopes_and_permissions() -> None:
    url = invite_url(1234567890)
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=1234567890")
    assert "scope=bot+applications.commands" in url and f"permissions={PERMISSIONS.value}" in url
    assert PERMISSIONS.value == 3072 and PERMISSIONS == discord.Permissions(
        view_channel=True, send_messages=True
    )
    with pytest.raises(ValueError, match="Application ID"):
        invite_url("my-bot")
    assert application_id_from_token("MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.xyz") == "123456789012345678"
