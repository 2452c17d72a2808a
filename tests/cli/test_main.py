"""The `interviewer` command as a user runs it: a real subprocess with its own environment."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.paths import ROOT


def test_demo_prints_a_whole_interview_and_the_survey(tmp_path: Path) -> None:
    result = run(["demo", "--study", str(ROOT / "studies" / "teachers.yaml")], tmp_path)
    assert result.returncode == 0, result.stderr
    paragraphs = [p.strip() for p in result.stdout.split("\n\n") if p.strip()]
    turns = [p for p in paragraphs if p.startswith(("Interviewer:", "Participant:"))]
    assert turns[0].startswith("Interviewer:") and len(turns) > 20
    assert "Survey answers:" in result.stdout and re.search(r"satisfaction: \d", result.stdout)
    assert "is completed" in result.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select state from interviews").fetchall() == [("completed",)]
        assert db.execute("select count(*) from turns").fetchone()[0] >= 10


def test_chat_and_demo_without_study_take_default_study(tmp_path: Path) -> None:
    """DEFAULT_STUDY is the terminal's study too, as it is for `make run` and people who DM the bot."""
    demo = run(["demo"], tmp_path, DEFAULT_STUDY="scientists")
    assert demo.returncode == 0 and "trust-in-output: " in demo.stdout, demo.stderr
    chat = run(["chat", "--interviewer", "offline"], tmp_path, stdin="stop\n", DEFAULT_STUDY="nope")
    assert chat.returncode == 2 and chat.stderr.startswith("error: DEFAULT_STUDY 'nope': no study file")


def test_run_without_a_terminal_runs_the_demo(tmp_path: Path) -> None:
    result = run(["run"], tmp_path, stdin="")
    assert result.returncode == 0, result.stderr
    assert "running the scripted demo" in result.stderr.replace("\n", " ")
    assert "Survey answers:" in result.stdout


def test_run_http_without_slack_tokens_names_the_missing_token(tmp_path: Path) -> None:
    result = run(["run", "--http", "--port", "3999"], tmp_path, stdin="")
    assert result.returncode == 2 and "Survey answers:" not in result.stdout
    assert result.stderr.startswith("error: SLACK_BOT_TOKEN is not set."), result.stderr


@pytest.mark.parametrize("option", [["--port", "4000"], ["--host", "127.0.0.1"]])
def test_port_or_host_without_http_is_refused_instead_of_ignored(tmp_path: Path, option: list[str]) -> None:
    """Socket Mode and Discord listen on no port: a --port or --host given without --http would do nothing."""
    result = run(["run", *option], tmp_path, stdin="")
    assert result.returncode == 2 and "Survey answers:" not in result.stdout
    assert "--port/--host" in result.stderr and "add --http" in result.stderr, result.stderr


def test_the_demo_of_a_study_closed_by_require_approval_stops_at_once(tmp_path: Path) -> None:
    result = run(["run"], tmp_path, REQUIRE_APPROVAL="true")  # no terminal: the scripted demo
    assert result.returncode == 2 and "Participant:" not in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "error: REQUIRE_APPROVAL is on and study 'ai-at-work' has no approved plan version, so it interviews "
        "nobody; approve it (`interviewer plan approve FILE --by NAME`) or run the demo without it"
    )


def test_a_chat_in_a_study_closed_by_require_approval_stops_before_a_word_is_said(tmp_path: Path) -> None:
    """Nothing is asked, stored or promised ("Your interview is saved"): the line and status of the demo."""
    args = ["chat", "--study", "teachers", "--interviewer", "offline", "--as", "sam"]
    result = run(args, tmp_path, stdin="hello\n", REQUIRE_APPROVAL="true")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: REQUIRE_APPROVAL is on and study 'teachers' has no approved plan version, so it interviews "
        "nobody; approve it (`interviewer plan approve FILE --by NAME`) or run the chat without it"
    ]
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select count(*) from interviews").fetchone() == (0,)
        assert db.execute("select count(*) from inbox").fetchone() == (0,)


def test_an_interview_under_way_is_resumed_in_the_terminal_after_require_approval_is_turned_on(
    tmp_path: Path,
) -> None:
    """REQUIRE_APPROVAL holds back new interviews only; one already started finishes under its version."""
    args = ["chat", "--study", "teachers", "--interviewer", "offline", "--as", "sam"]
    assert run(args, tmp_path, stdin="1\n").returncode == 0
    resumed = run(args, tmp_path, stdin="stop\n", REQUIRE_APPROVAL="true")
    assert resumed.returncode == 0, resumed.stderr
    assert "Stopped." in resumed.stdout and "REQUIRE_APPROVAL" not in resumed.stderr


def test_study_check_accepts_the_bundled_studies(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (ROOT / "studies").glob("*.yaml"))
    result = run(["study", "check", *files], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok (") == len(files) == 4
    assert result.stderr == ""  # each file is named after its id


def test_study_check_points_out_a_file_named_otherwise_than_its_id(tmp_path: Path) -> None:
    other = tmp_path / "teachers-2027.yaml"
    other.write_text((ROOT / "studies" / "teachers.yaml").read_text())
    result = run(["study", "check", str(other)], tmp_path)
    assert result.returncode == 0 and ": ok (teachers," in result.stdout
    assert "its id is 'teachers', not 'teachers-2027'; commands take the id" in result.stderr


def test_study_check_names_file_field_and_fix(tmp_path: Path) -> None:
    good = (ROOT / "studies" / "ai-at-work.yaml").read_text()
    bad = tmp_path / "x.yaml"
    bad.write_text(good.replace("priority: should", "priority: mustt", 1))
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    result = run(["study", "check", str(bad), str(empty), str(tmp_path / "missing.yaml")], tmp_path)
    assert result.returncode == 2  # a missing file among them: cannot go on (problems alone: 1)
    assert re.search(
        r"x\.yaml: plan\.topics\[\d\]\.priority: 'mustt' is not one of must, should, could", result.stderr
    )
    assert f"{empty}: the file is empty" in result.stderr
    assert "missing.yaml: no such file" in result.stderr


def test_chat_reads_answers_from_standard_input_and_resumes(tmp_path: Path) -> None:
    first = run(["chat", "--study", "ai-at-work", "--as", "sam"], tmp_path, stdin="1\n1\n")
    assert first.returncode == 0, first.stderr
    assert "Do you agree to take part?" in first.stdout and "Input closed" in first.stdout
    second = run(["chat", "--study", "ai-at-work", "--as", "sam"], tmp_path, stdin="stop\n")
    assert second.returncode == 0, second.stderr
    assert "Stopped." in second.stdout
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select count(*), max(state) from interviews").fetchone() == (1, "stopped")


def test_a_typed_answer_that_matches_no_option_is_asked_again_without_mention_of_buttons(
    tmp_path: Path,
) -> None:
    result = run(["chat", "--study", "ai-at-work", "--as", "sam"], tmp_path, stdin="perhaps\n")
    assert result.returncode == 0, result.stderr
    note = "Please choose one of the options, or type its number."
    assert note in result.stdout and "button" not in result.stdout.lower()
    # the consent question and its options are shown again after the note
    assert result.stdout.count("Do you agree to take part?") == 2
    assert result.stdout.index(note) < result.stdout.rindex("Do you agree to take part?")


@pytest.mark.parametrize("command", [["validate"], ["codebook", "label"], ["db", "problems"], ["invite"]])
def test_a_commands_help_wraps_its_paragraphs_to_the_screen_not_to_the_source(
    tmp_path: Path, command: list[str]
) -> None:
    result = run([*command, "--help"], tmp_path, COLUMNS="80")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    text = [line.rstrip() for line in lines[: next(i for i, line in enumerate(lines) if "╭" in line)]]
    paragraphs = [p for p in "\n".join(text).split("\n\n") if p.strip() and "Usage:" not in p]
    assert len(paragraphs) >= 2, result.stdout  # a summary and at least one more paragraph
    for paragraph in paragraphs:
        *inner, _last = paragraph.splitlines()
        assert all(len(line) >= 60 for line in inner), paragraph  # no line broken mid-sentence early


def test_an_env_file_that_is_not_text_is_named_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"LOG_LEVEL=INFO\n\x00\xff\xfe binary\n")
    for args in (["demo"], ["doctor"], ["db", "upgrade"]):
        result = run(args, tmp_path)
        assert (result.returncode, result.stderr) == (
            2,
            f"error: {tmp_path / '.env'} is not UTF-8 text (byte 17 cannot be read); save it as UTF-8 with "
            "one NAME=value per line, or move it away\n",
        ), args


def test_chat_with_claude_but_no_key_says_how_to_fix(tmp_path: Path) -> None:
    result = run(["chat", "--interviewer", "claude"], tmp_path)
    assert result.returncode != 0
    assert "ANTHROPIC_API_KEY" in result.stderr and "--interviewer offline" in result.stderr


def test_db_upgrade_creates_the_tables(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    assert {"interviews", "turns", "inbox", "outbox", "study_versions", "alembic_version"} <= tables


@pytest.mark.parametrize(
    "args,message",
    [
        (["demo", "--study", "no-such-study"], "no study file"),
        (["chat", "--interviewer", "gpt"], "unknown interviewer 'gpt'"),
    ],
)
def test_bad_arguments_get_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(args, tmp_path)
    assert result.returncode != 0 and message in result.stderr + result.stdout


def test_discord_invite_url_has_the_scopes_and_permissions(tmp_path: Path) -> None:
    result = run(["discord", "invite-url", "--application-id", "123456789012345678"], tmp_path)
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith("https://discord.com/oauth2/authorize?client_id=123456789012345678")
    assert "scope=bot+applications.commands" in url and "permissions=3072" in url


def test_discord_invite_url_without_id_or_token_says_what_to_give(tmp_path: Path) -> None:
    result = run(["discord", "invite-url"], tmp_path, DISCORD_TOKEN="")
    assert result.returncode == 2 and "--application-id" in result.stderr


def test_run_discord_without_a_token_names_the_variable(tmp_path: Path) -> None:
    result = run(["run", "--discord"], tmp_path)
    assert result.returncode == 2 and "DISCORD_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr and "alembic" not in result.stderr  # refused before starting
    assert not (tmp_path / "cli.db").exists()


def test_a_demo_with_claude_unreachable_stops_instead_of_waiting_forever(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{closed}"}
    result = run(
        ["demo", "--study", "teachers", "--interviewer", "claude"], tmp_path, ANTHROPIC_MAX_RETRIES="0", **env
    )
    assert result.returncode == 2, result.stderr
    assert "error: Claude did not answer" in result.stderr and "--interviewer offline" in result.stderr
    assert "Give me a moment" in result.stdout


def test_run_slack_without_tokens_names_the_variables(tmp_path: Path) -> None:
    result = run(["run", "--slack"], tmp_path)
    assert result.returncode != 0 and "SLACK_BOT_TOKEN" in result.stderr + result.stdout
    http = run(["run", "--slack", "--http"], tmp_path, SLACK_BOT_TOKEN="xoxb-test")
    assert http.returncode != 0 and "SLACK_SIGNING_SECRET" in http.stderr + http.stdout


def test_study_check_of_a_missing_file_cannot_go_on(tmp_path: Path) -> None:
    result = run(["study", "check", "nonexist.yaml", str(ROOT / "studies" / "teachers.yaml")], tmp_path)
    assert result.returncode == 2, "a wrong path, not a study with problems (exit 1)"
    assert result.stderr.startswith("error: nonexist.yaml: no such file; give the path of a study YAML file")
    assert ": ok (teachers," in result.stdout, "the other files are still checked"


def test_a_usage_mistake_is_one_line_naming_the_help_to_read(tmp_path: Path) -> None:
    cases = [
        (["db", "purge", "--study", "x", "--before", "2024-13-01"], "is not a date", "interviewer db purge"),
        (["analyze"], "Missing argument 'source'", "interviewer analyze"),
        (["nosuch"], "No such command 'nosuch'", "interviewer"),
        (["analyze", "t.csv", "-o", "r", "--min-cell", "0"], "'--min-cell'", "interviewer analyze"),
    ]
    for args, said, command in cases:
        result = run(args, tmp_path)
        assert result.returncode == 2, args
        assert result.stderr.startswith("error: ") and said in result.stderr, result.stderr
        assert result.stderr.endswith(f"; see `{command} --help`\n") and result.stderr.count("\n") == 1


def test_a_study_id_without_a_file_is_named_with_the_ids_there_are(tmp_path: Path) -> None:
    ids = "study ids in STUDIES_DIR: ai-at-work, creatives, scientists, teachers"
    chat = run(["chat", "--study", "teachrs"], tmp_path)
    assert (chat.returncode, chat.stderr) == (
        2,
        f"error: --study 'teachrs': no study file {ROOT / 'studies' / 'teachrs.yaml'}; {ids}\n",
    )
    started = run(["run"], tmp_path, DEFAULT_STUDY="nope")  # the study the terminal would run
    assert started.returncode == 2 and "running the scripted demo" not in started.stderr
    assert started.stderr.startswith("error: DEFAULT_STUDY 'nope': no study file "), started.stderr
    empty = run(["demo"], tmp_path, STUDIES_DIR=str(tmp_path))
    assert empty.returncode == 2, empty.stderr
    assert (
        f"STUDIES_DIR ({tmp_path.resolve()}) holds no study file: run the command in the project"
        in empty.stderr
    )


def test_a_misspelt_log_level_is_refused_naming_the_levels(tmp_path: Path) -> None:
    result = run(["doctor"], tmp_path, LOG_LEVEL="INFOO")
    assert (result.returncode, result.stderr) == (
        2,
        "error: LOG_LEVEL: 'INFOO' is not a log level; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL; "
        "fix it in the environment or .env (README: Configuration)\n",
    )
    assert run(["db", "upgrade"], tmp_path, LOG_LEVEL="warning").returncode == 0  # any case


def test_an_empty_study_option_is_named(tmp_path: Path) -> None:
    for command in ("chat", "demo"):
        result = run([command, "--study", ""], tmp_path)
        assert (result.returncode, result.stderr) == (
            2,
            "error: --study is empty; give a study id (e.g. ai-at-work) or the path of a study file\n",
        )
