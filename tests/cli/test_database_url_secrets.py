"""DATABASE_URL's password never reaches the screen: `demo`, `chat` and `db upgrade` name the database with
the password hidden, and a password with a bare @ (which would turn its tail into the host name, and into
error messages) is refused before anything connects. Run as a user runs them (a real subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import shown_url
from tests.support.cli import run
from tests.support.helpers import fresh_postgres, postgres_available

PASSWORD = "Zq9SecretPw"


def test_shown_url_hides_the_password_only() -> None:
    assert shown_url(f"postgresql+psycopg://ana:{PASSWORD}@db:5432/x?sslmode=require") == (
        "postgresql://ana:***@db:5432/x?sslmode=require"
    )
    assert shown_url("postgresql+psycopg://ana@db/x") == "postgresql://ana@db/x"
    assert shown_url("sqlite+aiosqlite:////tmp/a@b/x.db") == "sqlite:////tmp/a@b/x.db"


@pytest.mark.postgres
async def test_demo_chat_and_upgrade_show_the_database_without_its_password(tmp_path: Path) -> None:
    if not postgres_available():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    async with fresh_postgres() as url:  # trust authentication: the password is accepted and unused
        with_password = url.replace("postgres@", f"postgres:{PASSWORD}@", 1)
        assert PASSWORD in with_password
        env = {"DATABASE_URL": with_password}
        upgrade = run(["db", "upgrade"], tmp_path, **env)
        demo = run(["demo", "--study", "ai-at-work"], tmp_path, **env)
        chat = run(["chat", "--study", "ai-at-work", "--as", "ana"], tmp_path, stdin="pause\n", **env)
    for result in (upgrade, demo, chat):
        assert result.returncode == 0, result.stderr
        assert PASSWORD not in result.stdout + result.stderr
    assert "database is up to date: postgresql://postgres:***@127.0.0.1" in upgrade.stdout
    assert "stored in postgresql://postgres:***@" in demo.stdout
    assert "postgresql://postgres:***@127.0.0.1" in chat.stderr  # wrapped by rich


def test_a_password_with_a_bare_at_sign_is_refused_without_showing_it(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL="postgresql://postgres:Zq9@Tail7@127.0.0.1:5432/x")
    assert result.returncode == 2
    assert "write an @ in the user name or password as %40" in result.stderr
    assert "Zq9" not in result.stderr + result.stdout and "Tail7" not in result.stderr + result.stdout


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite:///:memory:", "postgresql://u:p@[::1/db"])
def test_a_database_url_that_would_lose_everything_or_cannot_be_read_is_refused(
    tmp_path: Path, url: str
) -> None:
    """An empty path (`sqlite:///$UNSET`) is an in-memory database: imports would report success and
    vanish. A URL whose port cannot be read used to end in "this is a bug"."""
    result = run(["import", "t.csv", "--study", "teachers"], tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    assert result.stderr.startswith("error: DATABASE_URL: ") and len(result.stderr.splitlines()) == 1
    assert "bug" not in result.stderr and "Value error" not in result.stderr
