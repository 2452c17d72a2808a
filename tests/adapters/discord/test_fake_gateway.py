"""The fake gateway accepts a RESUME only where Discord does (events/gateway#resuming), and the fake REST
answers a global rate limit as Discord does (topics/rate-limits): raw websocket and HTTP clients."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.adapters.discord.test_fake_rules import call, dm
from tests.support.fakes.discord_api import FakeDiscord


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=5)
    assert msg.type is aiohttp.WSMsgType.TEXT, msg
    return dict(json.loads(msg.data))


async def connect(session: aiohttp.ClientSession, fake: FakeDiscord) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(fake.gateway_url)
    assert (await receive(ws))["op"] == 10  # HELLO
    return ws


async def identify(session: aiohttp.ClientSession, fake: FakeDiscord) -> tuple[Any, str, int]:
    """A connection with a new session: (the websocket, its session id, the last sequence received)."""
    fake.guild_channel()
    ws = await connect(session, fake)
    await ws.send_json({"op": 2, "d": {"token": fake.token, "intents": 0, "properties": {}}})
    ready, guild = await receive(ws), await receive(ws)
    assert (ready["t"], guild["t"]) == ("READY", "GUILD_CREATE")
    return ws, ready["d"]["session_id"], guild["s"]


async def resume(session: aiohttp.ClientSession, fake: FakeDiscord, session_id: str, seq: Any) -> Any:
    ws = await connect(session, fake)
    await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": session_id, "seq": seq}})
    return ws


async def test_after_a_reconnect_request_events_wait_for_the_resume(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        old, session_id, seq = await identify(session, fake)
        await fake.send_reconnect()
        assert await receive(old) == {"op": 7, "d": None, "s": None, "t": None}
        await fake.say("444", "written meanwhile")  # not sent on the old connection
        await old.close(code=4000)
        ws = await resume(session, fake, session_id, seq)
        missed, resumed = await receive(ws), await receive(ws)
        assert (missed["t"], missed["d"]["content"], resumed["t"]) == (
            "MESSAGE_CREATE",
            "written meanwhile",
            "RESUMED",
        )


async def test_an_invalid_session_that_may_be_resumed_is_resumed(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        old, session_id, seq = await identify(session, fake)
        await fake.invalidate_session(resumable=True)
        assert await receive(old) == {"op": 9, "d": True, "s": None, "t": None}
        await old.close(code=4000)
        ws = await resume(session, fake, session_id, seq)
        assert (await receive(ws))["t"] == "RESUMED"


async def test_a_session_invalidated_for_good_is_never_resumed_and_misses_what_came_meanwhile(
    fake: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as session:
        old, session_id, seq = await identify(session, fake)
        await fake.invalidate_session(resumable=False)
        assert await receive(old) == {"op": 9, "d": False, "s": None, "t": None}
        fake.say_offline("444", "nobody is told")
        await old.close(code=1000)
        ws = await resume(session, fake, session_id, seq)
        assert await receive(ws) == {"op": 9, "d": False, "s": None, "t": None}
        assert fake.replayed == 0


async def test_a_resume_with_a_sequence_never_sent_is_closed_with_4007(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        for bad in (5, None):  # past the last one sent; none at all
            old, session_id, seq = await identify(session, fake)
            await old.close(code=4000)
            ws = await resume(session, fake, session_id, seq + bad if bad else bad)
            msg = await ws.receive(timeout=5)
            assert msg.type is aiohttp.WSMsgType.CLOSE and msg.data == 4007, msg
            await ws.close()
            assert session_id not in fake.sessions  # "Reconnect and start a new session"


async def test_a_global_rate_limit_refuses_every_request_but_interactions_until_it_ends(
    fake: FakeDiscord,
) -> None:
    fake.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=60, global_limit=True)
    status, body = await call(fake, "POST", dm(fake), {"content": "hi"})
    assert (status, body["global"], body["retry_after"]) == (429, True, 60)
    status, body = await call(fake, "GET", "/users/@me")  # another route: held by the same limit
    assert status == 429 and body["global"] is True and 59 < body["retry_after"] <= 60
    assert [r.path for r in fake.global_refused] == ["/users/@me"]
    auth = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession(headers=auth) as session,
        session.get(fake.base_url + "/users/@me") as got,
    ):
        headers = got.headers
    assert (headers["X-RateLimit-Global"], headers["X-RateLimit-Scope"]) == ("true", "global")
    assert headers["Retry-After"] == "60"
