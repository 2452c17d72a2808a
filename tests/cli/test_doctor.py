"""`interviewer doctor`, started as a user starts it, against the fake Messages, Slack and Discord APIs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.claude.models import TABLE, retirement
from tests.support.fakes import anthropic_rules
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.discord_api import FakeDiscord
from tests.support.fakes.slack_api import FakeSlack
from tests.support.fakes.slack_rules import manifest_scopes
from tests.support.helpers import run_interviewer

MODEL = "claude-sonnet-5-5"


async def interviewer(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    """Run the `interviewer` command with only `env` and the test database configured."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'doctor.db'}", **env}
    code, out, err = await run_interviewer(tmp_path, *args, env=env)
    return code, out + err


async def doctor(fake: FakeAnthropic, tmp_path: Path, model: str = MODEL, **env: str) -> tuple[int, str]:
    return await interviewer(
        tmp_path,
        "doctor",
        ANTHROPIC_API_KEY="test-key",
        ANTHROPIC_BASE_URL=fake.base_url,
        ANTHROPIC_MODEL=model,
        ANTHROPIC_MAX_RETRIES="0",
        **env,
    )


@pytest.fixture
async def fake():  # type: ignore[no-untyped-def]
    async with FakeAnthropic() as server:
        server.responder = lambda body: {
            "message": "What do you do at work?",
            "move": "ask",
            "topic_id": "work",
            "covered_topics": [],
            "flags": [],
        }
        yield server
    anthropic_rules.OVERRIDES.clear()


async def test_doctor_sends_one_interviewer_shaped_request_and_reports_the_unmigrated_database(
    fake, tmp_path
):
    code, out = await doctor(fake, tmp_path)
    assert "ok      claude: claude-sonnet-5-5 answered a real interviewer request" in out, out
    assert "PROBLEM database" in out and "interviewer db upgrade" in out  # a fresh file is not migrated
    assert code == 1
    [request] = fake.message_requests
    assert "output_config" in request.body and "<interview_state>" in str(request.body["messages"])


async def test_a_model_that_rejects_the_request_shape_fails_with_the_apis_own_message(fake, tmp_path):
    anthropic_rules.OVERRIDES[MODEL] = replace(TABLE[MODEL], structured_outputs=False)
    code, out = await doctor(fake, tmp_path)
    assert code == 1
    assert "PROBLEM claude" in out and "structured outputs are not supported for this model" in out, out
    assert "fix:" in out


async def test_a_model_outside_the_table_is_a_problem_naming_the_table(fake, tmp_path):
    code, out = await doctor(fake, tmp_path, model="claude-imaginary-9")
    assert code == 1 and "bot/claude/models.py" in out and not fake.message_requests


async def test_a_deprecated_model_is_a_note_with_its_retirement_and_replacement(fake, tmp_path):
    """Anthropic deprecated Opus 4.5 on 2026-11-23 and retires it on 2027-01-22, recommending Opus 5.5
    (https://platform.claude.com/docs/en/about-claude/model-deprecations): doctor says so before then."""
    assert (await interviewer(tmp_path, "db", "upgrade"))[0] == 0
    code, out = await doctor(fake, tmp_path, model="claude-opus-4-5")
    assert "note    claude model: claude-opus-4-5 is deprecated: Anthropic retires it on 2027-01-22" in out
    assert "set ANTHROPIC_MODEL=claude-opus-5-5" in out and "ok      claude: claude-opus-4-5 answered" in out
    assert code == 0, out


async def test_a_deprecated_analysis_model_names_analysis_model_in_its_fix(fake, tmp_path):
    assert (await interviewer(tmp_path, "db", "upgrade"))[0] == 0
    code, out = await doctor(fake, tmp_path, ANALYSIS_MODEL="claude-opus-4-5")
    assert "note    claude model: claude-opus-4-5 is deprecated" in out, out
    assert "set ANALYSIS_MODEL=claude-opus-5-5" in out and "set ANTHROPIC_MODEL=" not in out
    assert code == 0, out


def test_a_retired_model_is_a_problem_and_the_others_are_not_flagged() -> None:
    before = retirement("claude-opus-4-5-20251101", date(2027, 1, 21))
    assert before is not None and not before.retired and before.fix == "set ANTHROPIC_MODEL=claude-opus-5-5"
    assert before.said == (
        "claude-opus-4-5-20251101 is deprecated: Anthropic retires it on 2027-01-22, and requests to it fail "
        "from that day; set ANTHROPIC_MODEL=claude-opus-5-5 "
        "(https://platform.claude.com/docs/en/about-claude/model-deprecations)"
    )
    retired = retirement("claude-opus-4-5", date(2027, 1, 22), variable="ANALYSIS_MODEL")
    assert retired is not None and retired.retired and "was retired on 2027-01-22" in retired.said
    assert retired.fix == "set ANALYSIS_MODEL=claude-opus-5-5"
    assert retirement(MODEL) is None and retirement("claude-imaginary-9") is None


async def migrated_doctor(tmp_path: Path, **env: str) -> tuple[int, str]:
    """`interviewer doctor` on a migrated database without a Claude key, so only `env`'s checks can fail."""
    code, out = await interviewer(tmp_path, "db", "upgrade")
    assert code == 0, out
    return await interviewer(tmp_path, "doctor", **env)


async def test_slack_token_with_every_scope_of_the_manifest_passes(tmp_path):
    async with FakeSlack() as slack:
        code, out = await migrated_doctor(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_API_URL=slack.base_url)
    assert "ok      slack: signed in as interviewer in Team T0FAKE; scopes complete" in out, out
    assert "ok      database" in out and code == 0
    assert [call.method for call in slack.calls] == ["auth.test"]


async def test_a_missing_slack_scope_is_named_with_how_to_fix_it_and_fails(tmp_path):
    async with FakeSlack(scopes=manifest_scopes() - {"im:history"}) as slack:
        code, out = await migrated_doctor(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_API_URL=slack.base_url)
    assert code == 1
    assert "PROBLEM slack: the token lacks scopes im:history" in out, out
    assert "fix: Add them from adapters/slack/manifest.yaml and reinstall the app" in out


async def test_a_wrong_slack_token_fails_with_slacks_error(tmp_path):
    async with FakeSlack() as slack:
        code, out = await migrated_doctor(
            tmp_path, SLACK_BOT_TOKEN="xoxb-wrong", SLACK_API_URL=slack.base_url
        )
    assert code == 1
    assert "PROBLEM slack: auth.test failed: invalid_auth" in out and "SLACK_BOT_TOKEN" in out, out
    assert "xoxb-wrong" not in out  # the token is never printed


async def test_discord_login_passes_and_reports_the_server_members_intent(tmp_path):
    async with FakeDiscord() as discord:
        env = {"DISCORD_TOKEN": discord.token, "DISCORD_API_BASE": discord.base_url}
        code, off = await migrated_doctor(tmp_path, **env)
        discord.members_intent = True
        _, on = await migrated_doctor(tmp_path, **env)
    assert code == 0, off
    assert "ok      discord: logged in as interviewer-bot; Server Members intent off" in off
    assert "ok      discord: logged in as interviewer-bot; Server Members intent on" in on, on
    assert {r.path for r in discord.requests} == {"/users/@me", "/applications/@me"}


async def test_a_wrong_discord_token_fails_the_login_check(tmp_path):
    async with FakeDiscord() as discord:
        code, out = await migrated_doctor(tmp_path, DISCORD_TOKEN="wrong", DISCORD_API_BASE=discord.base_url)
    assert code == 1
    assert "PROBLEM discord: login failed (401)" in out and "fix: Set DISCORD_TOKEN" in out, out


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting to it is refused at once."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_platforms_are_each_one_problem_line_and_the_other_checks_still_run(tmp_path):
    dead = f"http://127.0.0.1:{closed_port()}/"
    code, out = await migrated_doctor(
        tmp_path,
        SLACK_BOT_TOKEN="not-a-token-7f3",
        SLACK_API_URL=dead,
        DISCORD_TOKEN="nor-this-9q2",
        DISCORD_API_BASE=dead.rstrip("/"),
    )
    assert code == 1
    assert "ok      database" in out, out  # reported although the platforms failed
    assert f"PROBLEM slack: cannot reach {dead}" in out, out
    assert "does not start with xoxb-" in out  # the token's form is named without the network
    assert f"PROBLEM discord: cannot reach {dead.rstrip('/')}" in out, out
    assert "does not have a bot token's form" in out
    assert "error:" not in out and "Traceback" not in out
    assert "not-a-token-7f3" not in out and "nor-this-9q2" not in out  # tokens are never printed


async def test_a_database_that_cannot_be_reached_is_one_line_with_the_drivers_reason(tmp_path):
    url = f"postgresql://nobody@127.0.0.1:{closed_port()}/nothing"
    code, out = await interviewer(tmp_path, "doctor", DATABASE_URL=url)
    assert code == 1
    [problem] = [line for line in out.splitlines() if line.startswith("PROBLEM")]
    assert problem.startswith("PROBLEM database: cannot connect (OperationalError: ") and "refused" in problem
    assert "Background on this error" not in out and "sqlalche.me" not in out, out
    assert "fix: Check DATABASE_URL (postgresql://nobody@127.0.0.1:" in out


async def test_the_socket_mode_token_is_checked_with_apps_connections_open(tmp_path):
    from tests.support.fakes.slack_socket import SocketMode

    fake = FakeSlack()
    SocketMode(fake)
    async with fake as slack:
        env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.base_url}
        code, good = await migrated_doctor(tmp_path, SLACK_APP_TOKEN=slack.app_token, **env)
        _, bot_token = await migrated_doctor(tmp_path, SLACK_APP_TOKEN=slack.token, **env)
    assert code == 0, good
    assert "ok      slack socket mode: the app-level token may open a Socket Mode connection" in good
    assert "PROBLEM slack socket mode: apps.connections.open failed: not_allowed_token_type" in bot_token
    assert "does not start with xapp-" in bot_token, bot_token
    assert slack.token not in bot_token and slack.app_token not in good


async def test_a_claude_api_that_never_answers_is_one_bounded_try(tmp_path):
    """A server that takes the connection and says nothing: `doctor` tries once, with the checks' own
    time limit, and says so (with the default four retries and 60 s it sat silent for five minutes)."""
    import asyncio

    connections: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        code, out = await migrated_doctor(
            tmp_path, ANTHROPIC_API_KEY="test-key", ANTHROPIC_BASE_URL=f"http://127.0.0.1:{port}"
        )
    assert code == 1 and len(connections) == 1
    assert "PROBLEM claude: " in out and ": Claude did not answer in time" in out, out
    assert "test-key" not in out and "Traceback" not in out
