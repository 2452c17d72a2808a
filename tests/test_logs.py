"""The bot's log: libraries only from WARNING up and without their tracebacks (they may carry request
bodies, and an anonymous peer must not fill the log), our own lines at LOG_LEVEL."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.logs import configure


@pytest.fixture
def restore_logging():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_library_lines_below_warning_are_dropped_even_where_the_library_set_its_own_level(
    restore_logging, capsys: pytest.CaptureFixture[str]
) -> None:
    configure("INFO")
    verification = logging.getLogger("slack_bolt.RequestVerification")
    verification.setLevel(logging.DEBUG)  # as a library may do for its own loggers
    verification.info("Invalid request signature detected (body: {'text': 'private words'})")
    logging.getLogger("bot.engine").info("our own line")
    err = capsys.readouterr().err
    assert "private words" not in err and "Invalid request signature" not in err
    assert "our own line" in err


def test_library_tracebacks_are_left_out_and_cancelled_jobs_are_not_errors(
    restore_logging, capsys: pytest.CaptureFixture[str]
) -> None:
    configure("INFO")
    bolt, scheduler = logging.getLogger("slack_bolt.AsyncApp"), logging.getLogger("apscheduler.executors")
    try:
        raise OSError("Name or service not known")
    except OSError:
        bolt.exception("Failed to connect; Retrying...")
    try:
        raise asyncio.CancelledError
    except asyncio.CancelledError:
        scheduler.exception("Error running job interviewer-tick")
    err = capsys.readouterr().err
    assert "Failed to connect; Retrying..." in err and "Traceback" not in err
    assert "interviewer-tick" not in err
    configure("DEBUG")
    try:
        raise OSError("Name or service not known")
    except OSError:
        bolt.exception("Failed to connect; Retrying...")
    assert "Traceback" in capsys.readouterr().err  # LOG_LEVEL=DEBUG shows them
