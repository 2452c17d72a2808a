"""The fake Slack keeps Slack's documented rules (each cited in tests/support/fakes/slack_*.py): called with
slack_sdk's own clients or raw HTTP, it answers the way Slack's pages say Slack answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.support.fakes.slack_api import BOT_USER, FakeSlack, dm_channel
from tests.support.fakes.slack_respond import SECONDS, USES


@asynccontextmanager
async def fake_and_client() -> AsyncIterator[tuple[FakeSlack, AsyncWebClient]]:
    async with FakeSlack() as fake:
        yield fake, AsyncWebClient(token=fake.token, base_url=fake.base_url)


async def refused(call: Any) -> str:
    """The `error` of a call Slack answers with ok:false (slack_sdk raises SlackApiError for it)."""
    with pytest.raises(SlackApiError) as raised:
        await call
    assert raised.value.response.status_code == 200, "Web API errors come with HTTP 200"
    return str(raised.value.response["error"])


# ---- response_url: 5 replies within 30 minutes -------------------------------------------------------


async def test_a_response_url_takes_five_replies_and_refuses_the_sixth() -> None:
    async with FakeSlack() as fake:
        hook = AsyncWebhookClient(fake.response_url("cmd"))
        for n in range(USES):
            answer = await hook.send(text=f"reply {n}", response_type="ephemeral")
            assert (answer.status_code, answer.body) == (200, "ok")
        sixth = await hook.send(text="one too many")
        assert (sixth.status_code, sixth.body) == (404, "expired_url")
        assert [r["text"] for r in fake.responses["cmd"]] == [f"reply {n}" for n in range(USES)]
        assert [c.error for c in fake.calls_to("respond")] == [None] * USES + ["expired_url"]


async def test_a_response_url_expires_thirty_minutes_after_the_payload() -> None:
    async with FakeSlack() as fake:
        now = 1000.0
        fake.clock = lambda: now
        hook = AsyncWebhookClient(fake.response_url("click"))
        now += SECONDS - 1
        assert (await hook.send(text="just in time")).status_code == 200
        now += 2
        late = await hook.send(text="too late")
        assert (late.status_code, late.body) == (404, "expired_url")
        assert [r["text"] for r in fake.responses["click"]] == ["just in time"]
        fresh = AsyncWebhookClient(fake.response_url("click"))  # a new payload: a new URL
        assert (await fresh.send(text="again")).status_code == 200


async def test_a_response_url_never_handed_out_is_not_a_hook() -> None:
    async with FakeSlack() as fake:
        answer = await AsyncWebhookClient(f"{fake.root}/respond/made-up").send(text="hi")
        assert (answer.status_code, answer.body) == (404, "no_service")
        assert not fake.responses


# ---- private channels: only those the bot was added to -----------------------------------------------


async def test_the_members_of_a_private_channel_without_the_bot_are_not_found() -> None:
    async with fake_and_client() as (fake, client):
        fake.add_channel("CSECRET", "secret", ["UBOB", "UCAROL"], private=True)
        fake.add_channel("CCLUB", "club", ["UBOB", BOT_USER], private=True)
        fake.add_channel("CTEAM", "team", ["UCAROL"])  # public: readable without being a member
        assert await refused(client.conversations_members(channel="CSECRET")) == "channel_not_found"
        assert (await client.conversations_members(channel="CCLUB"))["members"] == ["UBOB", BOT_USER]
        assert (await client.conversations_members(channel="CTEAM"))["members"] == ["UCAROL"]


async def test_the_channel_list_holds_only_the_private_channels_the_bot_is_in() -> None:
    async with fake_and_client() as (fake, client):
        fake.add_channel("CSECRET", "secret", ["UBOB"], private=True)
        fake.add_channel("CCLUB", "club", ["UBOB", BOT_USER], private=True)
        fake.add_channel("CTEAM", "team", ["UBOB"])
        private = await client.conversations_list(types="private_channel")
        assert [c["id"] for c in private["channels"]] == ["CCLUB"]
        both = await client.conversations_list(types="public_channel,private_channel")
        membership = {c["id"]: c["is_member"] for c in both["channels"]}
        assert membership == {"CGENERAL": True, "CTEAM": False, "CCLUB": True}


# ---- people: users.info, users.list and conversations.open -------------------------------------------


async def test_users_info_knows_only_the_people_of_the_workspace() -> None:
    async with fake_and_client() as (fake, client):
        assert await refused(client.users_info(user="UNOBODY")) == "user_not_found"
        assert await refused(client.users_info(user="")) == "user_not_found"
        fake.add_user("UBOB", tz="America/Chicago")
        fake.add_channel("CTEAM", "team", ["UCAROL"])  # a channel's members are people of the workspace
        bob = (await client.users_info(user="UBOB"))["user"]
        assert (bob["id"], bob["tz"], bob["is_bot"], bob["deleted"]) == (
            "UBOB",
            "America/Chicago",
            False,
            False,
        )
        assert (await client.users_info(user="UCAROL"))["user"]["id"] == "UCAROL"
        assert (await client.users_info(user=BOT_USER))["user"]["is_bot"] is True


async def test_users_list_pages_every_user_of_the_workspace_with_cursor_and_limit() -> None:
    """https://docs.slack.dev/reference/methods/users.list: invited, deleted and bot users are listed too;
    `limit` pages, `response_metadata.next_cursor` leads on and is empty at the end; no `limit` is the
    whole set; a cursor Slack did not issue is `invalid_cursor`."""
    async with fake_and_client() as (fake, client):
        fake.add_user("UBOT2", is_bot=True)
        fake.add_user("UGONE", deleted=True)
        fake.add_channel("CTEAM", "team", [f"UP{n}" for n in range(5)])
        seen, cursor, pages = [], "", 0
        while True:
            page = await client.users_list(limit=3, cursor=cursor or None)
            assert len(page["members"]) <= 3
            seen += page["members"]
            pages += 1
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        assert pages == 3 and len(seen) == 8  # the bot user, UBOT2, UGONE and five people
        flags = {u["id"]: (u["is_bot"], u["deleted"], u["tz"]) for u in seen}
        assert flags["UBOT2"][0] and flags["UGONE"][1] and flags["UP0"] == (False, False, "Europe/Berlin")
        assert len((await client.users_list())["members"]) == 8
        assert await refused(client.users_list(limit=3, cursor="not-a-cursor")) == "invalid_cursor"


async def test_users_list_needs_users_read() -> None:
    async with FakeSlack(scopes=frozenset({"chat:write"})) as fake:
        client = AsyncWebClient(token=fake.token, base_url=fake.base_url)
        assert await refused(client.users_list(limit=200)) == "missing_scope"
        [call] = fake.calls_to("users.list")
        assert call.error == "missing_scope"


async def test_users_list_is_tier_2_twenty_calls_a_minute_then_429_with_retry_after() -> None:
    """users.list is Tier 2, "20+ per minute" (https://docs.slack.dev/reference/methods/users.list and
    https://docs.slack.dev/apis/web-api/rate-limits): the 21st call within the minute is answered 429 with
    a Retry-After of the rest of the minute; once the minute has passed, calls are answered again."""
    async with fake_and_client() as (fake, client):
        now = [1000.0]
        fake.rates.clock = lambda: now[0]
        for _ in range(20):
            assert (await client.users_list(limit=200))["ok"]
        now[0] += 45
        with pytest.raises(SlackApiError) as raised:
            await client.users_list(limit=200)
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers["Retry-After"] == "15"
        now[0] += 15
        assert (await client.users_list(limit=200))["ok"]
        assert [c.status for c in fake.calls_to("users.list")] == [200] * 20 + [429, 200]


async def test_a_dm_opens_only_with_a_person_of_the_workspace() -> None:
    async with fake_and_client() as (fake, client):
        fake.add_user("UBOT2", is_bot=True)
        fake.add_user("UGONE", deleted=True)
        assert await refused(client.conversations_open(users="UBOT2")) == "cannot_dm_bot"
        assert await refused(client.conversations_open(users="UGONE")) == "user_disabled"
        assert await refused(client.conversations_open(users="UNOBODY")) == "user_not_found"
        fake.add_user("UBOB")
        assert (await client.conversations_open(users="UBOB"))["channel"]["id"] == dm_channel("UBOB")


# ---- message text: truncated past 40,000 characters; chat.update refuses past 4,000 ------------------


async def test_text_over_forty_thousand_characters_is_posted_truncated_with_a_warning() -> None:
    async with fake_and_client() as (fake, client):
        channel = dm_channel("UALICE")
        posted = await client.chat_postMessage(channel=channel, text="x" * 40_000 + "cut off")
        assert posted["ok"] is True and posted["warning"] == "message_truncated"
        assert posted["response_metadata"]["warnings"] == ["message_truncated"]
        assert posted["message"]["text"] == "x" * 40_000
        assert fake.messages[(channel, posted["ts"])]["text"] == "x" * 40_000
        [kept] = (await client.conversations_history(channel=channel))["messages"]
        assert kept["text"] == "x" * 40_000
        exact = await client.chat_postMessage(channel=channel, text="y" * 40_000)
        assert "warning" not in exact.data and exact["message"]["text"] == "y" * 40_000
        ephemeral = await client.chat_postEphemeral(channel=channel, user="UALICE", text="z" * 40_001)
        assert ephemeral["warning"] == "message_truncated"


async def test_chat_update_refuses_text_over_four_thousand_characters() -> None:
    async with fake_and_client() as (fake, client):
        channel = dm_channel("UALICE")
        ts = (await client.chat_postMessage(channel=channel, text="short"))["ts"]
        too_long = client.chat_update(channel=channel, ts=ts, text="x" * 4_001)
        assert await refused(too_long) == "msg_too_long"
        assert fake.messages[(channel, ts)]["text"] == "short"
        await client.chat_update(channel=channel, ts=ts, text="x" * 4_000)
        assert fake.messages[(channel, ts)]["text"] == "x" * 4_000


# ---- Block Kit: markdown blocks' cumulative limit, a button's plain_text label ------------------------


def _markdown(*sizes: int) -> list[dict[str, Any]]:
    return [{"type": "markdown", "text": "m" * size} for size in sizes]


async def test_markdown_blocks_over_twelve_thousand_characters_are_too_long() -> None:
    async with fake_and_client() as (fake, client):
        channel = dm_channel("UALICE")
        over = client.chat_postMessage(channel=channel, text="fallback", blocks=_markdown(6_000, 6_001))
        assert await refused(over) == "msg_blocks_too_long"
        fits = await client.chat_postMessage(channel=channel, text="fallback", blocks=_markdown(6_000, 6_000))
        assert [len(b["text"]) for b in fits["message"]["blocks"]] == [6_000, 6_000]
        broken = client.chat_postMessage(channel=channel, text="fallback", blocks=[{"type": "markdown"}])
        assert await refused(broken) == "invalid_blocks"


def _button(text: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "actions", "elements": [{"type": "button", "action_id": "a", "text": text}]}]


async def test_a_button_label_must_be_plain_text() -> None:
    async with fake_and_client() as (fake, client):
        channel = dm_channel("UALICE")
        mrkdwn = _button({"type": "mrkdwn", "text": "*Yes*"})
        assert await refused(client.chat_postMessage(channel=channel, text="?", blocks=mrkdwn)) == (
            "invalid_blocks"
        )
        untyped = _button({"text": "Yes"})
        assert await refused(client.chat_postMessage(channel=channel, text="?", blocks=untyped)) == (
            "invalid_blocks"
        )
        plain = _button({"type": "plain_text", "text": "Yes"})
        assert (await client.chat_postMessage(channel=channel, text="?", blocks=plain))["ok"] is True
        assert [c.error for c in fake.calls_to("chat.postMessage")] == ["invalid_blocks"] * 2 + [None]


# ---- authentication: no token, a wrong token -----------------------------------------------------------


async def test_a_call_without_a_token_is_not_authed() -> None:
    async with FakeSlack() as fake:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{fake.base_url}auth.test") as answer:
                assert answer.status == 200
                assert json.loads(await answer.text()) == {"ok": False, "error": "not_authed"}
            bearer = {"Authorization": "Bearer "}  # the header, but no token in it
            async with http.post(f"{fake.base_url}chat.postMessage", headers=bearer) as answer:
                assert (answer.status, (await answer.json())["error"]) == (200, "not_authed")
        assert await refused(AsyncWebClient(base_url=fake.base_url).auth_test()) == "not_authed"
        wrong = AsyncWebClient(token="xoxb-not-issued", base_url=fake.base_url)
        assert await refused(wrong.auth_test()) == "invalid_auth"
        assert [c.error for c in fake.calls] == ["not_authed"] * 3 + ["invalid_auth"]


# ---- chat.delete: a bot token deletes only that bot's messages ---------------------------------------


async def test_chat_delete_removes_the_bots_own_message_once_and_refuses_the_persons() -> None:
    async with fake_and_client() as (fake, client):
        channel = dm_channel("UALICE")
        posted = await client.chat_postMessage(channel=channel, text="Which tasks?")
        theirs = fake.user_message("UALICE", "my answer")
        deleted = await client.chat_delete(channel=channel, ts=posted["ts"])
        assert deleted["ts"] == posted["ts"] and (channel, posted["ts"]) not in fake.messages
        assert await refused(client.chat_delete(channel=channel, ts=posted["ts"])) == "message_not_found"
        assert await refused(client.chat_delete(channel=channel, ts=theirs["ts"])) == "cant_delete_message"
        assert await refused(client.chat_delete(channel="CNOPE", ts=theirs["ts"])) == "channel_not_found"
        assert fake.deleted == [(channel, posted["ts"])]


async def test_chat_delete_is_refused_past_fifty_calls_a_minute_per_workspace() -> None:
    """Tier 3, "50+ per minute" per method per workspace (https://api.slack.com/methods/chat.delete,
    https://docs.slack.dev/apis/web-api/rate-limits): the 51st call within a minute is answered 429 with a
    Retry-After of the rest of that minute, and is not counted; another workspace has its own minute."""
    async with fake_and_client() as (fake, client):
        channel = dm_channel("UALICE")
        for _ in range(50):
            posted = await client.chat_postMessage(channel=channel, text="Which tasks?")
            await client.chat_delete(channel=channel, ts=posted["ts"])
        with pytest.raises(SlackApiError) as raised:
            await client.chat_delete(channel=channel, ts=posted["ts"])
        assert raised.value.response.status_code == 429
        assert raised.value.response["error"] == "ratelimited"
        assert 55 <= int(raised.value.response.headers["Retry-After"]) <= 60
        other = fake.install("T0OTHER")
        elsewhere = AsyncWebClient(token=other.token, base_url=fake.base_url)
        mine = await elsewhere.chat_postMessage(channel=channel, text="Which tasks?")
        assert (await elsewhere.chat_delete(channel=channel, ts=mine["ts"]))["ok"]
        assert [c.status for c in fake.calls_to("chat.delete")] == [200] * 50 + [429, 200]
