"""A local fake of Discord's REST API and gateway, for tests that run the real discord.py client.

    async with FakeDiscord() as fake:                  # 127.0.0.1, random free port, REST + websocket
        settings: discord_api_base=fake.base_url, discord_gateway_url=fake.gateway_url (or leave the
        gateway unset: GET /gateway/bot names it), discord_token=fake.token
        await fake.wait_identified()                   # the client sent IDENTIFY and got READY
        payload = await fake.say(user_id, "hi")        # MESSAGE_CREATE in the user's DM with the bot
        await fake.click(user_id, message_id, label="Yes, I agree")   # INTERACTION_CREATE for a button
        await fake.slash(user_id, "interviewer", "status", study="x")  # INTERACTION_CREATE for a command
        await fake.dispatch("MESSAGE_CREATE", any_payload)            # or any payload a test builds
        fake.close_dms(user_id)                        # every DM to them: 403 code 50007
        fake.fail_next("POST", r"/channels/\\d+/messages", 429, retry_after=0.05)
        fake.fail_next("POST", r"/channels/\\d+/messages", 429, retry_after=2, global_limit=True)
        await fake.send_reconnect()                    # op 7: the client resumes its session
        await fake.invalidate_session(resumable=False) # op 9: d=true resume, d=false identify anew
        fake.bot_messages(user_id)                     # what the bot posted in their DM (edits applied)
        fake.deleted                                   # ids of the messages deleted (DELETE .../messages/{id})
        role = fake.add_role(guild_id, "Teachers"); fake.add_member(guild_id, user_id, [role])
        fake.members_intent = True                     # else GET /guilds/{id}/members: 403 code 50001
        fake.requests, fake.callbacks, fake.followups  # everything received, in order

What it checks the way Discord does: the bot token on REST calls (401 otherwise), IDENTIFY's token
(close 4004 otherwise), content at most 2,000 characters, nonces at most 25 characters, custom_ids at
most 100, labels at most 80, at most 5 rows of 5 buttons, one initial response per interaction (a second
gets 400 code 40060), no empty message (code 50006), files of at most 10 MiB in requests of at most 25 MiB
(413 code 40005), callback types 6 and 7 only for button clicks, interaction tokens for 15 minutes (then 401
code 50027) and only once answered (404 code 10015 before), application commands' names, descriptions,
option counts and size (400 code 50035 with `errors`). A message created with `nonce` + `enforce_nonce`
that repeats a nonce of the same author from the last 5 minutes returns the earlier message and creates
nothing. `fake.age_interaction(id, seconds)` lets time pass for an interaction's token.
The REST routes are `tests.support.fakes.discord_rest`, the state and the events tests make happen
`tests.support.fakes.discord_state`, the gateway (READY + GUILD_CREATE, RESUME with the missed dispatches, dispatches)
`tests.support.fakes.discord_gateway`, and the rules
with their documentation pages (limits, the 3-second interaction deadline, rate-limit headers on opening
a DM) in `tests.support.fakes.discord_rules`.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from aiohttp import web

from tests.support.fakes import discord_rules as rules
from tests.support.fakes.discord_rest import DiscordRest
from tests.support.fakes.discord_rules import (
    REQUEST_LIMIT,
    now,
)
from tests.support.fakes.discord_state import API, Fault, Recorded


class FakeDiscord(DiscordRest):
    """Discord, as far as the interviewer bot talks to it."""

    # ---- lifecycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    async def __aenter__(self) -> FakeDiscord:
        # aiohttp reads at most 1 MiB by default; Discord takes requests of up to 25 MiB with files of up to
        # 10 MiB each (discord_rules.REQUEST_LIMIT, FILE_LIMIT), answering 413 code 40005 beyond
        app = web.Application(middlewares=[self._middleware], client_max_size=REQUEST_LIMIT)
        app.router.add_get("/gateway", self._gateway)
        r = app.router
        r.add_get(f"{API}/users/@me", self._me)
        r.add_get(f"{API}/oauth2/applications/@me", self._application)
        # Get Current Application: https://discord.com/developers/docs/resources/application#get-current-application
        r.add_get(f"{API}/applications/@me", self._application)
        r.add_get(f"{API}/gateway", self._gateway_info)
        r.add_get(f"{API}/gateway/bot", self._gateway_info)
        r.add_post(f"{API}/users/@me/channels", self._open_dm)
        r.add_post(API + "/channels/{channel}/messages", self._create_message)
        r.add_get(API + "/channels/{channel}/messages", self._history)
        r.add_patch(API + "/channels/{channel}/messages/{message}", self._edit_message)
        r.add_delete(API + "/channels/{channel}/messages/{message}", self._delete_message)
        r.add_put(API + "/applications/{app}/commands", self._put_commands)
        r.add_get(API + "/guilds/{guild}/roles", self._guild_roles)
        r.add_get(API + "/guilds/{guild}/members", self._guild_members)
        r.add_post(API + "/interactions/{interaction}/{token}/callback", self._callback)
        r.add_post(API + "/webhooks/{app}/{token}", self._followup)
        r.add_patch(API + "/webhooks/{app}/{token}/messages/{message}", self._edit_followup)
        r.add_route("*", API + "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in list(self._connections):
            await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- what tests call ------------------------------------------------------------------------

    def guild_channel(self, guild_id: str | None = None) -> dict[str, Any]:
        """A text channel in a server the bot is in."""
        gid = guild_id or self.new_id()
        self.guilds.setdefault(gid, {"name": "Research server"})
        channel = {
            "id": self.new_id(),
            "type": 0,
            "guild_id": gid,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
        }
        self.channels[channel["id"]] = channel
        return channel

    def add_role(self, guild_id: str, name: str) -> str:
        """A role in a server; returns its id."""
        role = {"id": self.new_id(), "name": name, "color": 0, "hoist": False, "position": 1}
        role |= {"permissions": "0", "managed": False, "mentionable": True}
        self.roles.setdefault(guild_id, []).append(role)
        return str(role["id"])

    def add_member(self, guild_id: str, user_id: str | int, roles: list[str], *, bot: bool = False) -> None:
        """A member of a server with these role ids (kept in user id order, as Discord lists them)."""
        user = self._user_payload(str(user_id), f"member{user_id}", bot=bot)
        member = {"user": user, "roles": roles, "joined_at": now(), "deaf": False, "mute": False}
        self.members.setdefault(guild_id, []).append(member)
        self.members[guild_id].sort(key=lambda m: int(m["user"]["id"]))

    def close_dms(self, user_id: str | int) -> None:
        self.closed_dms.add(str(user_id))

    def open_dms(self, user_id: str | int) -> None:
        self.closed_dms.discard(str(user_id))

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        *,
        code: int = 0,
        message: str | None = None,
        retry_after: float | None = None,
        times: int = 1,
        via: bool = True,
        global_limit: bool = False,
    ) -> None:
        """Answer the next `times` requests matching `method` and the `path` regex with an error.

        A 429 carries `retry_after` in body and header, and a `Via` header unless `via=False`: discord.py
        retries a 429 with `Via` itself and treats one without as a Cloudflare block. With `global_limit`
        it is the global rate limit's 429 (`discord_rules.global_limit`): every request but an interaction's
        made before `retry_after` has passed gets one too, and is kept in `fake.global_refused`.
        """
        body: dict[str, Any] = {"message": message or f"{status}: fake error", "code": code}
        headers: dict[str, str] = {}
        if global_limit:
            body, headers = rules.global_limit(1.0 if retry_after is None else retry_after)
            status = 429
        elif status == 429:
            wait = 1.0 if retry_after is None else retry_after
            body.update(
                message=message or "You are being rate limited.", retry_after=wait, **{"global": False}
            )
            headers["Retry-After"] = f"{wait:g}"
            if via:
                headers["Via"] = "1.1 google"
        self.faults.append(
            Fault(method.upper(), re.compile(path), status, body, headers, times, global_limit)
        )

    def bot_messages(self, user_id: str | int) -> list[dict[str, Any]]:
        channel_id = self.dm_channel_id(user_id)
        return [
            m
            for m in self.messages.values()
            if m["channel_id"] == channel_id and m["author"]["id"] == self.bot["id"]
        ]

    def requests_to(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    async def answer(self, payload: dict[str, Any], seconds: float = 10) -> tuple[dict[str, Any], str]:
        """What the user sees in answer to an interaction: its first response, and the text shown
        (the response's content, or, after a deferred response, the content the original was edited to)."""

        def shown() -> str | None:
            ack = next((c["body"] for c in self.callbacks if c["interaction"] == payload["id"]), None)
            if ack is None:
                return None
            if ack["type"] == 4:
                return str(ack["data"].get("content", ""))
            edits = [f["body"] for f in self.followups if f["interaction"] == payload["id"]]
            return str(edits[0].get("content", "")) if edits else None

        await self.wait_until(lambda: shown() is not None, seconds, what="the interaction's answer")
        ack = next(c["body"] for c in self.callbacks if c["interaction"] == payload["id"])
        return ack, str(shown())

    async def wait_until(self, predicate: Any, seconds: float = 5.0, what: str = "condition") -> None:
        """Poll `predicate` until it holds; fail naming `what` after `seconds`."""
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)
