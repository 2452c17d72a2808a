"""A setting the program cannot use stops the command a user starts, in one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.helpers import run_interviewer
from tests.support.paths import ROOT

BAD_VALUES = [
    ("ADMINS", "U0123ABCD", "not platform:user_id"),
    ("ADMINS", "slack:U1,discord", "'discord' is not platform:user_id"),
    ("SLACK_API_URL", "slack.example/api/", "http:// or https://"),
    ("DISCORD_API_BASE", "http://127.0.0.1:port/api", "http:// or https://"),
    ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg", "ws:// or wss://"),
    ("ANTHROPIC_BASE_URL", "127.0.0.1:8080", "http:// or https://"),
    ("RETRY_MAX_SECONDS", "30", "less than RETRY_AFTER_SECONDS (60)"),
]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "STUDIES_DIR": str(ROOT / "studies"), **extra}


@pytest.mark.parametrize("name,value,said", BAD_VALUES, ids=[f"{n}={v}" for n, v, _ in BAD_VALUES])
async def test_a_bad_value_is_refused_naming_the_variable(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    code, out, err = await run_interviewer(tmp_path, "db", "upgrade", env=_env(tmp_path, **{name: value}))
    assert code == 2, out + err
    [line] = err.splitlines()
    assert line.startswith(f"error: {name}: ") and said in line, line


async def test_a_blank_address_means_its_default(tmp_path: Path) -> None:
    """`SLACK_API_URL=` in a .env file is "not set", as it is for the tokens."""
    env = _env(tmp_path, SLACK_API_URL="", ANTHROPIC_BASE_URL=" ", DISCORD_GATEWAY_URL="")
    code, out, err = await run_interviewer(tmp_path, "db", "upgrade", env=env)
    assert code == 0 and "up to date" in out, out + err


async def test_the_bot_refuses_a_default_study_that_does_not_exist(tmp_path: Path) -> None:
    """People who DM the bot uninvited would otherwise be interviewed in some other study, unannounced."""
    env = _env(tmp_path, DEFAULT_STUDY="teacher", SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="secret")
    code, out, err = await run_interviewer(tmp_path, "run", "--http", "--port", "1", env=env)
    assert code == 2, out + err
    [line] = err.splitlines()
    assert line.startswith("error: DEFAULT_STUDY 'teacher': no study file") and "teachers" in line, line
