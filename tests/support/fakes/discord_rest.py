"""The REST half of the fake Discord: each route the bot calls, checked the way Discord checks it
(`tests.support.fakes.discord_rules` cites the pages)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from aiohttp import web

from tests.support.fakes.discord_rules import (
    CANNOT_IN_DM,
    EMPTY_MESSAGE,
    FILES,
    INTERACTION_DEADLINE,
    INTERACTION_ROUTES,
    INTERACTION_TOKEN_LIFETIME,
    INVALID_WEBHOOK_TOKEN,
    MISSING_PERMISSIONS,
    NONCE_WINDOW,
    TOO_LARGE,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
    callback_problem,
    check_message,
    command_errors,
    global_limit,
    invalid,
    is_empty,
    json_response,
    multipart,
    now,
    too_large,
)
from tests.support.fakes.discord_state import _BODY, API, CANNOT_DM, DiscordState, Recorded


class DiscordRest(DiscordState):
    """The REST routes (`FakeDiscord.__aenter__` mounts them under /api/v10)."""

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API):
            return await handler(request)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:  # over REQUEST_LIMIT, the app's client_max_size
            return json_response(TOO_LARGE, status=413)
        if request.content_type == "multipart/form-data":
            body = multipart(request.headers["Content-Type"], raw)
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        request[_BODY] = body
        path = request.path[len(API) :]
        self.requests.append(Recorded(request.method, path, dict(request.query), body, time.monotonic()))
        if (
            not path.startswith(INTERACTION_ROUTES)
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        if too_large(body):  # a file over the 10 MiB per-file limit (discord_rules.FILE_LIMIT)
            return json_response(TOO_LARGE, status=413)
        if time.monotonic() < self.global_until and not path.startswith(INTERACTION_ROUTES):
            self.global_refused.append(self.requests[-1])
            body, headers = global_limit(self.global_until - time.monotonic())
            return json_response(body, status=429, headers=headers)
        for fault in self.faults:
            if fault.times > 0 and fault.method == request.method and fault.path.fullmatch(path):
                fault.times -= 1
                if fault.global_limit:
                    self.global_until = time.monotonic() + float(fault.body["retry_after"])
                return json_response(fault.body, status=fault.status, headers=fault.headers)
        response = await handler(request)
        for slow in list(self.slow):
            if slow[0] == request.method and re.fullmatch(slow[1], path):
                self.slow.remove(slow)
                self.slowed.set()
                await asyncio.sleep(slow[2])  # done, but the answer is late (a crash can come meanwhile)
        return response

    def slow_next(self, method: str, path: str, seconds: float) -> None:
        """Carry out the next matching request, then wait `seconds` before answering it."""
        self.slow.append((method.upper(), path, seconds))
        self.slowed.clear()

    async def _me(self, request: web.Request) -> web.Response:
        return json_response(self.bot)

    async def _application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": self.application_id,
                "name": "interviewer",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "00" * 32,
                # GATEWAY_GUILD_MEMBERS_LIMITED (1 << 15): the Server Members intent switched on for a bot
                # in under 100 servers, https://discord.com/developers/docs/resources/application#application-object-application-flags
                "flags": (1 << 15) if self.members_intent else 0,
                "owner": self._user_payload("1", "owner"),
                "team": None,
                "summary": "",
                "rpc_origins": [],
                "interactions_endpoint_url": None,
            }
        )

    async def _open_dm(self, request: web.Request) -> web.Response:
        body = request[_BODY]
        recipient = str((body or {}).get("recipient_id", ""))
        if not recipient.isdigit():
            return invalid("recipient_id is required")
        allowed, headers = self.dm_open.take()
        if not allowed:
            retry = float(headers["Retry-After"])
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
            return json_response(body, status=429, headers=headers)
        return json_response(self.channels[self.dm_channel_id(recipient)], headers=headers)

    async def _history(self, request: web.Request) -> web.Response:
        """Get Channel Messages (https://discord.com/developers/docs/resources/message#get-channel-messages):
        `limit` 1-100 (default 50); with `after`, the messages right after that id, newest first."""
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        try:
            limit = int(request.query.get("limit", "50"))
            after = int(request.query.get("after", "0"))
        except ValueError:
            return invalid("limit/after: Value is not int.")
        if not 1 <= limit <= 100:
            return invalid("limit: int value should be less than or equal to 100.")
        found = sorted(
            (m for m in self.messages.values() if m["channel_id"] == channel["id"] and int(m["id"]) > after),
            key=lambda m: int(m["id"]),
        )[:limit]
        return json_response(list(reversed(found)))

    async def _create_message(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        if channel["type"] == 1 and channel["recipients"][0]["id"] in self.closed_dms:
            return json_response(CANNOT_DM, status=403)
        if channel["id"] in self.no_send:
            return json_response(MISSING_PERMISSIONS, status=403)
        body = request[_BODY] or {}
        problem = check_message(body)
        if problem:
            return invalid(problem)
        if is_empty(body):
            return invalid(EMPTY_MESSAGE["message"], code=EMPTY_MESSAGE["code"])
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get((self.bot["id"], str(nonce)))
            if earlier and time.monotonic() - earlier[1] < NONCE_WINDOW:
                return json_response(self.messages[earlier[0]])
        files = body.pop(FILES, [])
        attachments = [
            {
                "id": self.new_id(),
                "filename": name,
                "size": len(data),
                "url": f"{self.base_url}/files/{name}",
                "proxy_url": f"{self.base_url}/files/{name}",
            }
            for name, data in files
        ]
        payload = self._message_payload(
            channel["id"],
            self.bot,
            body.get("content", ""),
            components=body.get("components", []),
            attachments=attachments,
            nonce=nonce,
            flags=body.get("flags", 0),
        )
        self.messages[payload["id"]] = payload
        for attachment, (_, data) in zip(attachments, files, strict=True):
            self.uploads.append(
                {"channel": channel["id"], "message": payload["id"], **attachment, "data": data}
            )
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(self.bot["id"], str(nonce))] = (payload["id"], time.monotonic())
        return json_response(payload)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["message"])
        if message is None or message["channel_id"] != request.match_info["channel"]:
            return json_response({"message": "Unknown Message", "code": 10008}, status=404)
        if message["author"]["id"] != self.bot["id"]:
            return json_response(
                {"message": "Cannot edit a message authored by another user", "code": 50005}, status=403
            )
        body = request[_BODY] or {}
        problem = check_message(body)
        if problem:
            return invalid(problem)
        for key in ("content", "components"):
            if key in body:
                message[key] = body[key]
        message["edited_timestamp"] = now()
        return json_response(message)

    async def _delete_message(self, request: web.Request) -> web.Response:
        """Delete Message, as `discord_rules.CANNOT_IN_DM` describes it."""
        allowed, headers = self.message_delete.take()
        if not allowed:
            body = {"message": "You are being rate limited.", "retry_after": float(headers["Retry-After"])}
            return json_response({**body, "global": False}, status=429, headers=headers)
        channel = self.channels.get(request.match_info["channel"])
        if channel is None:
            return json_response({"message": "Unknown Channel", "code": 10003}, status=404, headers=headers)
        message = self.messages.get(request.match_info["message"])
        if message is None or message["channel_id"] != channel["id"]:
            return json_response(UNKNOWN_MESSAGE, status=404, headers=headers)
        if message["author"]["id"] != self.bot["id"]:
            refusal = CANNOT_IN_DM if channel["type"] == 1 else MISSING_PERMISSIONS
            return json_response(refusal, status=403, headers=headers)
        del self.messages[message["id"]]
        self.deleted.append(message["id"])
        return web.Response(status=204, headers=headers)

    async def _put_commands(self, request: web.Request) -> web.Response:
        if request.match_info["app"] != self.application_id:
            return json_response({"message": "Unknown Application", "code": 10002}, status=404)
        errors = command_errors(request[_BODY])
        if errors:
            return invalid("Invalid Form Body", errors=errors)
        self.commands = [
            {
                **c,
                "id": self.new_id(),
                "application_id": self.application_id,
                "version": self.new_id(),
                "type": c.get("type", 1),
                "default_member_permissions": c.get("default_member_permissions"),
                "nsfw": c.get("nsfw", False),
            }
            for c in (request[_BODY] or [])
        ]
        return json_response(self.commands)

    async def _guild_roles(self, request: web.Request) -> web.Response:
        roles = self.roles.get(request.match_info["guild"])
        if roles is None:
            return json_response({"message": "Unknown Guild", "code": 10004}, status=404)
        return json_response(roles)

    async def _guild_members(self, request: web.Request) -> web.Response:
        """List Guild Members: `limit` 1-1000, `after` a user id; needs the Server Members intent."""
        members = self.members.get(request.match_info["guild"])
        if members is None:
            return json_response({"message": "Unknown Guild", "code": 10004}, status=404)
        if not self.members_intent:
            return json_response({"message": "Missing Access", "code": 50001}, status=403)
        limit, after = int(request.query.get("limit", "1")), int(request.query.get("after", "0"))
        if not 1 <= limit <= 1000:
            return invalid("limit: must be between 1 and 1000")
        return json_response([m for m in members if int(m["user"]["id"]) > after][:limit])

    async def _callback(self, request: web.Request) -> web.Response:
        """Create Interaction Response (https://discord.com/developers/docs/interactions/receiving-and-responding#create-interaction-response)."""
        interaction = self._interactions.get(request.match_info["interaction"])
        if interaction is None or interaction["token"] != request.match_info["token"]:
            return json_response(UNKNOWN_INTERACTION, status=404)
        if not interaction["acked"] and time.monotonic() - interaction["created"] > INTERACTION_DEADLINE:
            self.late_responses.append(request.match_info["interaction"])
            return json_response(UNKNOWN_INTERACTION, status=404)  # the token died after 3 seconds
        if interaction["acked"]:
            return invalid("Interaction has already been acknowledged.", code=40060)
        body = request[_BODY] or {}
        kind, data = body.get("type"), body.get("data") or {}
        refused = callback_problem(interaction["type"], kind, data)
        if refused is not None:
            return refused
        interaction["acked"], interaction["loading"] = True, kind == 5
        self.callbacks.append({"interaction": request.match_info["interaction"], "body": body})
        flags = int(data.get("flags", 0))
        response: dict[str, Any] = {
            "interaction": {
                "id": request.match_info["interaction"],
                "type": interaction["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & 64),
            }
        }
        if kind in (4, 5):
            original = self._message_payload(
                interaction["channel_id"],
                self.bot,
                data.get("content", ""),
                components=data.get("components", []),
                flags=flags,
            )
            interaction["original"] = original
            response["interaction"]["response_message_id"] = original["id"]
            if kind == 4:
                response["resource"] = {"type": 4, "message": original}
        elif kind in (6, 7) and interaction.get("message_id") in self.messages:
            # after 6 or 7, @original is the message the component is attached to
            interaction["original"] = _update(
                self.messages[interaction["message_id"]], data if kind == 7 else {}
            )
        if request.query.get("with_response") in ("1", "true"):
            return json_response(response)
        return web.Response(status=204)

    def _webhook_interaction(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        """The interaction a /webhooks/{app}/{token} route names, or Discord's refusal of the token."""
        interaction = self._by_token(request.match_info["token"])
        if interaction is None or request.match_info["app"] != self.application_id:
            return {}, json_response(UNKNOWN_WEBHOOK, status=404)
        if time.monotonic() - interaction["created"] > INTERACTION_TOKEN_LIFETIME:
            return interaction, json_response(INVALID_WEBHOOK_TOKEN, status=401)
        if not interaction["acked"]:
            # Follow-ups come "after responding to an interaction" and a token not answered within 3 seconds
            # "will be invalidated" (https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages,
            # #responding-to-an-interaction); the docs give no code for a token not yet answered: Discord
            # answers 404 Unknown Webhook (reported in Rapptz/discord.py#10461).
            return interaction, json_response(UNKNOWN_WEBHOOK, status=404)
        return interaction, None

    async def _followup(self, request: web.Request) -> web.Response:
        """Create Followup Message (https://discord.com/developers/docs/interactions/receiving-and-responding#create-followup-message):
        "Functions the same as Execute Webhook, but `wait` is always true" (200 and the message, whatever
        `wait` says). Right after DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE it "will function as Edit Original
        Interaction Response": the loading message is edited and no new message is created."""
        interaction, refused = self._webhook_interaction(request)
        if refused is not None:
            return refused
        body = request[_BODY] or {}
        problem = check_message(body)
        if problem:
            return invalid(problem)
        if is_empty(body):
            return invalid(EMPTY_MESSAGE["message"], code=EMPTY_MESSAGE["code"])
        self.followups.append({"kind": "post", "interaction": interaction["id"], "body": body})
        if interaction.pop("loading", False):
            return json_response(_update(interaction["original"], body))
        message = self._message_payload(
            interaction["channel_id"],
            self.bot,
            body.get("content", ""),
            components=body.get("components", []),
            flags=int(body.get("flags", 0)),
        )
        interaction.setdefault("sent", {})[message["id"]] = message
        return json_response(message)

    async def _edit_followup(self, request: web.Request) -> web.Response:
        """Edit Original Interaction Response (messages/@original) and Edit Followup Message: "Functions the
        same as Edit Webhook Message" (https://discord.com/developers/docs/interactions/receiving-and-responding#edit-original-interaction-response,
        https://discord.com/developers/docs/resources/webhook#edit-webhook-message), whose parameters are all
        optional: the message rules apply, an edit may be empty."""
        interaction, refused = self._webhook_interaction(request)
        if refused is not None:
            return refused
        target = request.match_info["message"]
        message = (
            interaction.get("original") if target == "@original" else interaction.get("sent", {}).get(target)
        )
        if message is None:
            return json_response(UNKNOWN_MESSAGE, status=404)
        body = request[_BODY] or {}
        problem = check_message(body)
        if problem:
            return invalid(problem)
        if target == "@original":
            interaction["loading"] = False
        self.followups.append({"kind": "edit", "interaction": interaction["id"], "body": body})
        return json_response(_update(message, body))

    async def _not_found(self, request: web.Request) -> web.Response:
        return json_response({"message": "404: Not Found", "code": 0}, status=404)


def _update(message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Apply an edit's content and components to a stored message, and return it."""
    message.update({k: v for k, v in body.items() if k in ("content", "components")})
    return message
