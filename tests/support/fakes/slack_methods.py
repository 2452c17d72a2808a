"""The Web API methods of the fake Slack (`tests.support.fakes.slack_api`), one function each, answering as the
method's page under https://docs.slack.dev/reference/methods/ says. Scopes are checked before these run."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.fakes.slack_limits import HISTORY_PAGE, NON_MARKETPLACE_PAGE
from tests.support.fakes.slack_rules import UPDATE_TEXT, VIEW_BLOCKS, check_blocks, page, truncated

if TYPE_CHECKING:
    from tests.support.fakes.slack_api import FakeSlack, Workspace

Handler = Callable[["FakeSlack", "Workspace", dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


def _json(value: Any) -> Any:
    """A JSON argument: form posts carry it as a string, JSON posts as the value itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


@method("auth.test")
def auth_test(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    from tests.support.fakes.slack_api import BOT_ID

    return {
        "ok": True,
        "url": "https://fake.slack.test/",
        "team": f"Team {ws.team_id}",
        "user": "interviewer",
        "team_id": ws.team_id,
        "user_id": ws.bot_user,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


@method("conversations.open")
def conversations_open(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    from tests.support.fakes.slack_api import dm_channel

    users = str(args.get("users") or "").split(",")
    if len(users) != 1 or not users[0]:
        return {"ok": False, "error": "users_list_not_supplied"}
    if users[0] not in ws.users:
        # conversations.open's error schema lists user_not_found (slackapi/slack-api-specs,
        # web-api/slack_web_openapi_v2.json, "conversations.open error schema").
        return {"ok": False, "error": "user_not_found"}
    if ws.users.get(users[0], {}).get("deleted"):
        return {"ok": False, "error": "user_disabled"}
    if ws.users.get(users[0], {}).get("is_bot"):
        # Not on the conversations.open page's list of errors, but what Slack answers a bot token
        # opening a DM with a bot: Slack support, quoted in https://github.com/HubSpot/slack-client/pull/90
        # ("a dm between two bots can not exist"); conversations.open answering it:
        # https://github.com/yokonsan/claude-in-slack-api/issues/8.
        return {"ok": False, "error": "cannot_dm_bot"}
    return {"ok": True, "channel": {"id": dm_channel(users[0])}}


def _message_problem(args: dict[str, Any], most_text: int | None = None) -> str | None:
    """Slack's answer to a malformed message (chat.postMessage / chat.update), or None. Only chat.update
    refuses long text (`most_text`); posting truncates it (slack_rules, "message text")."""
    if not args.get("channel"):
        return "channel_not_found"
    blocks = _json(args.get("blocks"))
    if not args.get("text") and not blocks:
        return "no_text"
    if most_text is not None and len(str(args.get("text", ""))) > most_text:
        return "msg_too_long"
    return None if blocks is None else check_blocks(blocks)


def _cannot_post(fake: FakeSlack, ws: Workspace, channel: str) -> str | None:
    """Without chat:write.public the bot posts only where it is a member (chat.postMessage errors)."""
    kind = fake.channel_kind(ws, channel)
    if kind is None:
        return "channel_not_found"
    if kind != "im" and ws.channels[channel].get("is_archived"):
        return "is_archived"  # "Channel has been archived." (https://docs.slack.dev/reference/methods/chat.postMessage)
    if (
        kind != "im"
        and ws.bot_user not in ws.channels[channel]["members"]
        and "chat:write.public" not in ws.scopes
    ):
        return "not_in_channel"
    return None


def _message(args: dict[str, Any]) -> dict[str, Any]:
    """The message Slack keeps: text past 40,000 characters truncated."""
    text, _ = truncated(str(args.get("text", "")))
    return {"text": text, "blocks": _json(args.get("blocks")) or []}


@method("chat.postMessage")
def chat_post_message(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    from tests.support.fakes.slack_api import BOT_ID

    problem = _message_problem(args) or _cannot_post(fake, ws, str(args.get("channel") or ""))
    if problem:
        return {"ok": False, "error": problem}
    ts = fake.ts()
    args["ts"] = ts
    message = {"type": "message", "user": ws.bot_user, "bot_id": BOT_ID, "ts": ts, **_message(args)}
    fake.messages[(args["channel"], ts)] = message
    _, warning = truncated(str(args.get("text", "")))
    return {"ok": True, "channel": args["channel"], "ts": ts, "message": message, **warning}


@method("chat.update")
def chat_update(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    key = (str(args.get("channel")), str(args.get("ts")))
    if key not in fake.messages:
        return {"ok": False, "error": "message_not_found"}
    problem = _message_problem(args, UPDATE_TEXT)
    if problem:
        return {"ok": False, "error": problem}
    fake.messages[key] = {**fake.messages[key], **_message(args), "edited": True}
    return {"ok": True, "channel": key[0], "ts": key[1], "text": args.get("text", "")}


@method("chat.delete")
def chat_delete(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """https://docs.slack.dev/reference/methods/chat.delete: "When used with a bot token, this method may
    delete only messages posted by that bot" (else `cant_delete_message`); `message_not_found` for a ts
    with no message, `channel_not_found` for a bad channel."""
    from tests.support.fakes.slack_api import BOT_ID

    channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
    if fake.channel_kind(ws, channel) is None:
        return {"ok": False, "error": "channel_not_found"}
    message = fake.messages.get((channel, ts))
    if message is None:
        return {"ok": False, "error": "message_not_found"}
    if message.get("bot_id") != BOT_ID or message.get("user") != ws.bot_user:
        return {"ok": False, "error": "cant_delete_message"}
    del fake.messages[(channel, ts)]
    fake.deleted.append((channel, ts))
    return {"ok": True, "channel": channel, "ts": ts}


@method("chat.postEphemeral")
def chat_post_ephemeral(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("user"):
        return {"ok": False, "error": "user_not_in_channel"}
    problem = _message_problem(args)
    if problem:
        return {"ok": False, "error": problem}
    _, warning = truncated(str(args.get("text", "")))
    return {"ok": True, "message_ts": fake.ts(), **warning}


def _paged(key: str, items: list[Any], args: dict[str, Any], **limits: int) -> dict[str, Any]:
    result = page(items, args, **limits)
    if isinstance(result, str):
        return {"ok": False, "error": result}
    chunk, cursor = result
    return {"ok": True, key: chunk, "response_metadata": {"next_cursor": cursor}}


@method("conversations.members")
def conversations_members(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channels.get(str(args.get("channel") or ""))
    if channel is None or not _visible(ws, channel):
        return {"ok": False, "error": "channel_not_found"}
    return _paged("members", channel["members"], args)


def _visible(ws: Workspace, channel: dict[str, Any]) -> bool:
    """A bot sees every public channel, and only the private channels it was added to: groups:read is
    "View basic information about private channels that your Slack app has been added to"
    (https://docs.slack.dev/reference/scopes/groups.read); conversations.list returns what "the calling
    token has access to" (https://docs.slack.dev/reference/methods/conversations.list). Any other
    private channel does not exist for it: conversations.members answers `channel_not_found`."""
    return not channel["is_private"] or ws.bot_user in channel["members"]


@method("conversations.list")
def conversations_list(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    types = set(str(args.get("types") or "public_channel").split(","))
    wanted = [
        {
            "id": c["id"],
            "name": c["name"],
            "is_private": c["is_private"],
            "is_channel": True,
            "is_member": ws.bot_user in c["members"],
        }
        for c in ws.channels.values()
        if ("private_channel" if c["is_private"] else "public_channel") in types
        and _visible(ws, c)
        and not (c.get("is_archived") and str(args.get("exclude_archived", "")).lower() in ("1", "true"))
    ]
    return _paged("channels", wanted, args)


@method("conversations.history")
def conversations_history(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Newest first; `oldest` is exclusive unless `inclusive`; pages of 100 by default, up to 999, or 15
    for a non-Marketplace distributed app (`tests.support.fakes.slack_limits`)."""
    channel = str(args.get("channel") or "")
    oldest = float(args.get("oldest") or 0)
    inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
    found = [
        m
        for (c, ts), m in fake.messages.items()
        if c == channel and (float(ts) > oldest or (inclusive and float(ts) == oldest))
    ]
    found.sort(key=lambda m: float(m["ts"]), reverse=True)
    default, most = NON_MARKETPLACE_PAGE if fake.non_marketplace is not None else HISTORY_PAGE
    answer = _paged("messages", found, args, default=default, most=most)
    if answer["ok"]:
        answer["has_more"] = bool(answer["response_metadata"]["next_cursor"])
    return answer


def _user(ws: Workspace, user: str, known: dict[str, Any]) -> dict[str, Any]:
    """A user object as users.info and users.list give it (the fields the bot reads, and a few more)."""
    return {
        "id": user,
        "team_id": ws.team_id,
        "name": user.lower(),
        "real_name": f"Person {user}",
        "tz": known["tz"],
        "is_bot": known["is_bot"],
        "deleted": known["deleted"],
    }


@method("users.info")
def users_info(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    user = str(args.get("user") or "")
    known = ws.users.get(user)
    if known is None:  # users.info errors: "user_not_found: Value passed for `user` was invalid."
        return {"ok": False, "error": "user_not_found"}
    return {"ok": True, "user": _user(ws, user, known)}


@method("users.list")
def users_list(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """https://docs.slack.dev/reference/methods/users.list: every user of the workspace, "both invited
    users and deleted/deactivated users", bots too, "in no particular order"; cursor-paginated with a
    `limit` "under 1000" (200 recommended); no `limit` is "the entire result set" (the page's argument
    list: default 0). A cursor it did not issue is `invalid_cursor` (the method's errors). Scope
    users:read and Tier 2 are checked before this runs (slack_rules, slack_limits)."""
    users = [_user(ws, user, known) for user, known in ws.users.items()]
    if str(args.get("limit") or "0") == "0" and not args.get("cursor"):
        return {"ok": True, "members": users, "response_metadata": {"next_cursor": ""}}
    return _paged("members", users, args)


@method("views.publish")
def views_publish(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    view = _json(args.get("view"))
    if not args.get("user_id") or not isinstance(view, dict) or view.get("type") != "home":
        return {"ok": False, "error": "invalid_arguments"}
    if check_blocks(view.get("blocks") or [], VIEW_BLOCKS):
        return {"ok": False, "error": "invalid_blocks"}
    fake.home_views[str(args["user_id"])] = view
    return {"ok": True, "view": {"id": f"V{fake.ts()}", **view}}


@method("files.getUploadURLExternal")
def files_get_upload_url(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("filename") or not str(args.get("length", "")).isdigit():
        return {"ok": False, "error": "invalid_arguments"}
    file_id = f"F{len(fake.files) + 1:08d}"
    fake.files[file_id] = {
        "id": file_id,
        "name": args["filename"],
        "length": int(args["length"]),
        "team": ws.team_id,
    }
    return {"ok": True, "upload_url": f"{fake.root}/upload/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal")
def files_complete_upload(fake: FakeSlack, ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    files = _json(args.get("files"))
    if not isinstance(files, list) or not files:
        return {"ok": False, "error": "invalid_arguments"}
    done = []
    for item in files:
        stored = fake.files.get(item.get("id"))
        if stored is None or "content" not in stored:
            return {"ok": False, "error": "file_not_found"}
        done.append({"id": stored["id"], "name": stored["name"], "title": item.get("title")})
        fake.uploads.append(
            {
                **stored,
                "title": item.get("title"),
                "channel": args.get("channel_id"),
                "initial_comment": args.get("initial_comment"),
            }
        )
    return {"ok": True, "files": done}
