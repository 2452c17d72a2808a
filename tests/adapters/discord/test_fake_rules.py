"""The fake Discord refuses what Discord refuses, the way Discord does (status, JSON code), per the pages
cited in `tests.support.fakes.discord_rules`: raw HTTP requests to the fake, then the bot's own requests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.messages import Address
from tests.support.discord_world import Bot
from tests.support.fakes.discord_api import FakeDiscord

MiB = 1024 * 1024
BUTTONS = [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Yes", "custom_id": "yes"}]}]


async def call(fake: FakeDiscord, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request to the fake's /api/v10 `path` with the bot token: (status, JSON body or None)."""
    headers = {"Authorization": f"Bot {fake.token}"}
    kw: dict[str, Any] = {"data": body} if isinstance(body, aiohttp.FormData) else {"json": body}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request(method, fake.base_url + path, **kw) as response,
    ):
        text = await response.text()
        return response.status, json.loads(text) if text else None


def upload(*files: bytes, content: str | None = None) -> aiohttp.FormData:
    """A multipart Create Message: `payload_json` and files[0..n]."""
    form = aiohttp.FormData()
    payload = {"content": content} if content is not None else {}
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for n, data in enumerate(files):
        form.add_field(f"files[{n}]", data, filename=f"f{n}.bin", content_type="application/octet-stream")
    return form


def dm(fake: FakeDiscord) -> str:
    return f"/channels/{fake.dm_channel_id('444')}/messages"


async def clicked(fake: FakeDiscord) -> dict[str, Any]:
    """A button click on a bot message in a DM: a MESSAGE_COMPONENT (3) interaction."""
    message = await fake.post_as_bot(fake.dm_channel_id("444"), "Agree?", BUTTONS)
    return fake.component_interaction("444", message, "yes")


async def respond(fake: FakeDiscord, interaction: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
    return await call(
        fake, "POST", f"/interactions/{interaction['id']}/{interaction['token']}/callback", body
    )


def hook(fake: FakeDiscord, interaction: dict[str, Any], tail: str = "", app: str | None = None) -> str:
    return f"/webhooks/{app or fake.application_id}/{interaction['token']}{tail}"


# ---- attachments --------------------------------------------------------------------------------------


async def test_files_up_to_10_mib_are_taken_and_a_bigger_one_gets_413_code_40005(fake: FakeDiscord) -> None:
    status, message = await call(fake, "POST", dm(fake), upload(b"x" * 2 * MiB, content="export"))
    assert status == 200 and message["attachments"][0]["size"] == 2 * MiB
    status, message = await call(fake, "POST", dm(fake), upload(b"x" * 10 * MiB))
    assert status == 200 and message["attachments"][0]["size"] == 10 * MiB
    status, error = await call(fake, "POST", dm(fake), upload(b"x" * (10 * MiB + 1)))
    assert (status, error) == (413, {"message": "Request entity too large", "code": 40005})
    assert [u["size"] for u in fake.uploads] == [2 * MiB, 10 * MiB]


async def test_a_request_over_25_mib_gets_413_code_40005(fake: FakeDiscord) -> None:
    status, error = await call(fake, "POST", dm(fake), upload(*[b"x" * 9 * MiB] * 3))
    assert (status, error["code"]) == (413, 40005)
    assert fake.uploads == []


# ---- empty messages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"content": ""}, {"components": [], "embeds": []}, {"nonce": "n1"}])
async def test_a_message_with_nothing_to_show_gets_400_code_50006(fake: FakeDiscord, body: Any) -> None:
    status, error = await call(fake, "POST", dm(fake), body)
    assert (status, error) == (400, {"message": "Cannot send an empty message", "code": 50006})
    assert fake.bot_messages("444") == []


async def test_content_components_or_a_file_alone_make_a_message_and_edits_may_be_empty(
    fake: FakeDiscord,
) -> None:
    for body in ({"content": "hi"}, {"components": BUTTONS}, upload(b"a,b\n")):
        status, _ = await call(fake, "POST", dm(fake), body)
        assert status == 200
    first = fake.bot_messages("444")[0]
    status, edited = await call(fake, "PATCH", f"{dm(fake)}/{first['id']}", {})
    assert status == 200 and edited["content"] == "hi"


# ---- interaction responses ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [6, 7])
async def test_update_responses_are_refused_for_a_slash_command(fake: FakeDiscord, kind: int) -> None:
    command = fake.command_interaction("444", "interviewer", "help")
    status, error = await respond(fake, command, {"type": kind, "data": {"content": "x"}})
    assert (status, error["code"], list(error["errors"])) == (400, 50035, ["type"])
    assert (await respond(fake, command, {"type": 5}))[0] == 204  # the refusal acknowledged nothing


async def test_update_responses_answer_a_button_click(fake: FakeDiscord) -> None:
    click = await clicked(fake)
    assert (await respond(fake, click, {"type": 7, "data": {"content": "Thanks"}}))[0] == 204
    assert fake.messages[click["message"]["id"]]["content"] == "Thanks"
    status, edited = await call(fake, "PATCH", hook(fake, click, "/messages/@original"), {"content": "Done"})
    assert status == 200 and edited["id"] == click["message"]["id"] and edited["content"] == "Done"
    other = await clicked(fake)
    assert (await respond(fake, other, {"type": 6}))[0] == 204


async def test_a_response_message_follows_the_message_rules(fake: FakeDiscord) -> None:
    command = fake.command_interaction("444", "interviewer", "help")
    status, error = await respond(fake, command, {"type": 4, "data": {"content": "x" * 2001}})
    assert (status, error["code"]) == (400, 50035)
    click = await clicked(fake)
    rows = [
        {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}]}
        for i in range(6)
    ]
    status, error = await respond(fake, click, {"type": 7, "data": {"components": rows}})
    assert (status, error["code"]) == (400, 50035)
    assert fake.callbacks == []


# ---- follow-ups and edits with the interaction token --------------------------------------------------


async def test_the_token_works_once_the_interaction_is_answered(fake: FakeDiscord) -> None:
    command = fake.command_interaction("444", "interviewer", "help")
    unknown = (404, {"message": "Unknown Webhook", "code": 10015})
    assert await call(fake, "POST", hook(fake, command), {"content": "early"}) == unknown
    assert await call(fake, "PATCH", hook(fake, command, "/messages/@original"), {"content": "x"}) == unknown
    assert (await respond(fake, command, {"type": 5, "data": {"flags": 64}}))[0] == 204
    original = fake._interactions[command["id"]]["original"]
    status, first = await call(fake, "POST", hook(fake, command), {"content": "one"})  # no ?wait=true
    assert (
        status == 200 and first["id"] == original["id"] and first["content"] == "one"
    )  # edits the loading one
    status, second = await call(fake, "POST", hook(fake, command), {"content": "two"})
    assert status == 200 and second["id"] != original["id"] and second["content"] == "two"
    tail = f"/messages/{second['id']}"
    status, edited = await call(fake, "PATCH", hook(fake, command, tail), {"content": "2"})
    assert status == 200 and edited["id"] == second["id"] and edited["content"] == "2"


async def test_the_token_ends_after_15_minutes_with_401_code_50027(fake: FakeDiscord) -> None:
    command = fake.command_interaction("444", "interviewer", "help")
    assert (await respond(fake, command, {"type": 5}))[0] == 204
    fake.age_interaction(command["id"], 14 * 60)
    assert (await call(fake, "PATCH", hook(fake, command, "/messages/@original"), {"content": "ok"}))[
        0
    ] == 200
    fake.age_interaction(command["id"], 61)
    expired = (401, {"message": "Invalid Webhook Token", "code": 50027})
    assert await call(fake, "POST", hook(fake, command), {"content": "late"}) == expired
    assert await call(fake, "PATCH", hook(fake, command, "/messages/@original"), {"content": "x"}) == expired


async def test_webhook_routes_check_the_application_and_the_message(fake: FakeDiscord) -> None:
    command = fake.command_interaction("444", "interviewer", "help")
    assert (await respond(fake, command, {"type": 5}))[0] == 204
    stranger = fake.new_id()
    status, error = await call(fake, "POST", hook(fake, command, app=stranger), {"content": "x"})
    assert (status, error["code"]) == (404, 10015)
    status, error = await call(fake, "PATCH", hook(fake, command, "/messages/@original", stranger), {})
    assert (status, error["code"]) == (404, 10015)
    status, error = await call(fake, "PATCH", hook(fake, command, f"/messages/{fake.new_id()}"), {})
    assert (status, error["code"]) == (404, 10008)


async def test_follow_ups_and_edits_follow_the_message_rules(fake: FakeDiscord) -> None:
    command = fake.command_interaction("444", "interviewer", "help")
    assert (await respond(fake, command, {"type": 5}))[0] == 204
    original = hook(fake, command, "/messages/@original")
    assert (await call(fake, "PATCH", original, {"content": "x" * 2001}))[1]["code"] == 50035
    assert await call(fake, "PATCH", original, {}) == (200, fake._interactions[command["id"]]["original"])
    status, error = await call(fake, "POST", hook(fake, command), {"content": "x" * 2001})
    assert (status, error["code"]) == (400, 50035)
    status, error = await call(fake, "POST", hook(fake, command), {"content": ""})
    assert (status, error["code"]) == (400, 50006)
    assert [f["kind"] for f in fake.followups] == ["edit"]


# ---- application commands -----------------------------------------------------------------------------


def command(name: str = "survey", description: str = "Run a survey", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, "type": 1, **extra}


def option(name: str = "study", description: str = "The study", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, "type": 3, **extra}


async def put(fake: FakeDiscord, commands: list[dict[str, Any]]) -> tuple[int, Any]:
    return await call(fake, "PUT", f"/applications/{fake.application_id}/commands", commands)


def field_codes(error: dict[str, Any], *path: str) -> list[str]:
    node = error["errors"]
    for key in path:
        node = node[key]
    return [e["code"] for e in node["_errors"]]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Survey", "APPLICATION_COMMAND_INVALID_NAME"),  # has a lowercase form: must use it
        ("two words", "APPLICATION_COMMAND_INVALID_NAME"),
        ("ask?", "APPLICATION_COMMAND_INVALID_NAME"),
        ("", "BASE_TYPE_BAD_LENGTH"),
        ("x" * 33, "BASE_TYPE_BAD_LENGTH"),
    ],
)
async def test_a_bad_slash_command_name_gets_400_code_50035(fake: FakeDiscord, name: str, code: str) -> None:
    status, error = await put(fake, [command(), command(name)])
    assert (status, error["code"], error["message"]) == (400, 50035, "Invalid Form Body")
    assert list(error["errors"]) == ["1"] and field_codes(error, "1", "name") == [code]
    assert fake.commands == []


async def test_valid_names_in_any_script_and_mixed_case_context_menus_are_taken(fake: FakeDiscord) -> None:
    names = ["x" * 32, "café-ß", "निर्यात", "ส่งออก", "日本語", "o'neil_2"]
    status, saved = await put(fake, [command(n) for n in names] + [{"name": "Report Member", "type": 2}])
    assert status == 200 and [c["name"] for c in saved] == [*names, "Report Member"]


async def test_descriptions_options_and_choices_are_limited(fake: FakeDiscord) -> None:
    status, error = await put(fake, [command(description=""), command(description="d" * 101)])
    assert status == 400 and set(error["errors"]) == {"0", "1"}
    assert field_codes(error, "0", "description") == field_codes(error, "1", "description")
    many = [option(f"o{i}") for i in range(26)]
    status, error = await put(fake, [command(options=many)])
    assert (status, field_codes(error, "0", "options")) == (400, ["BASE_TYPE_MAX_LENGTH"])
    choices = [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]
    status, error = await put(fake, [command(options=[option(choices=choices)])])
    assert (status, field_codes(error, "0", "options", "0", "choices")) == (400, ["BASE_TYPE_MAX_LENGTH"])
    sub = {"name": "go", "description": "Go", "type": 1, "options": [option("Study"), option(description="")]}
    status, error = await put(fake, [command(options=[sub])])
    assert status == 400 and set(error["errors"]["0"]["options"]["0"]["options"]) == {"0", "1"}


async def test_a_command_over_8000_characters_gets_application_command_too_large(fake: FakeDiscord) -> None:
    choices = [{"name": "n" * 50, "value": "v" * 50} for _ in range(25)]  # 2,500 characters
    options = [option(f"o{i}", "d" * 93, choices=choices) for i in range(3)]  # 3 x (2 + 93 + 2,500)
    body = command("survey", "s" * 9, options=options)  # 6 + 9 + 7,785 = 7,800
    assert (await put(fake, [body]))[0] == 200
    body["description_localizations"] = {"de": "s" * 209}  # the longest localization counts: 8,000
    assert (await put(fake, [body]))[0] == 200
    body["description_localizations"] = {"de": "s" * 210}
    status, error = await put(fake, [body])
    assert (status, error["code"]) == (400, 50035)
    assert error["errors"]["0"]["_errors"] == [
        {"code": "APPLICATION_COMMAND_TOO_LARGE", "message": "Command exceeds maximum size (8000)"}
    ]


# ---- what the bot itself sends ------------------------------------------------------------------------


async def test_the_bots_commands_and_a_2_mib_upload_are_accepted(sqlite_url: str, study_dir: Path) -> None:
    data = os.urandom(2 * MiB)  # does not compress: one attachment of 2 MiB
    async with FakeDiscord() as fake, Bot(fake, sqlite_url, study_dir) as bot:
        assert [c["name"] for c in fake.commands] == ["interviewer"]
        (registered,) = fake.requests_to("PUT", r"/applications/\d+/commands")
        assert registered.body[0]["name"] == "interviewer"
        message_id = await bot.client.sender.upload_file(Address("discord", "dm", "444"), "t.csv", data)
        (sent,) = fake.uploads
        assert (sent["message"], sent["filename"], sent["size"], sent["data"]) == (
            message_id,
            "t.csv",
            2 * MiB,
            data,
        )


async def test_delete_message_takes_the_bots_own_and_refuses_the_persons_in_a_dm(fake: FakeDiscord) -> None:
    """Delete Message: 204; gone, 404 code 10008; another user's message in a DM, 403 code 50003."""
    dm = fake.dm_channel_id("555")
    status, mine = await call(fake, "POST", f"/channels/{dm}/messages", {"content": "Which tasks?"})
    theirs = fake.say_offline("555", "my answer")  # kept in the DM; no bot is connected to hear it
    assert (await call(fake, "DELETE", f"/channels/{dm}/messages/{mine['id']}"))[0] == 204
    status, body = await call(fake, "DELETE", f"/channels/{dm}/messages/{mine['id']}")
    assert (status, body["code"]) == (404, 10008)
    status, body = await call(fake, "DELETE", f"/channels/{dm}/messages/{theirs['id']}")
    assert (status, body["code"]) == (403, 50003)
    assert fake.deleted == [mine["id"]] and theirs["id"] in fake.messages
