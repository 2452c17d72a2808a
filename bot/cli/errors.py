"""How every `interviewer` command fails: one line saying what is wrong and how to fix it, exit status 2.

Commands raise; this module turns what they raise into that line. `--debug` (anywhere on the command
line) shows the traceback instead, and the warnings libraries emit (scikit-learn's ConvergenceWarning,
for one), which otherwise go to the log at DEBUG level rather than onto the researcher's screen.
"""

from __future__ import annotations

import errno
import logging
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any, TextIO

from bot.text_files import printable

DEBUG_FLAG = "--debug"
# The longest argument taken: a path's limit on Linux (PATH_MAX). Anything longer is a pasting accident,
# refused in one line rather than echoed back whole in the error of whichever option received it.
MAX_ARGUMENT = 4096
LISTED = 20  # problems of one input file listed line by line; the rest are counted
BUG = "this is a bug in interviewer; run the command again with --debug and report what it prints"
log = logging.getLogger("interviewer.cli")


def clipped(value: str, keep: int = 120) -> str:
    """`value` as typed, or its start and end around an ellipsis when it is longer than `keep`."""
    if len(value) <= keep:
        return value
    return f"{value[: keep - 30]}...{value[-20:]} ({len(value)} characters)"


def list_problems(name: object, problems: list[str]) -> None:
    """The problems of the input file `name` on standard error, one line each as `name:problem`: the
    first `LISTED` of them and then how many more, so that a file of thousands of bad lines still gives a
    message one can read (and the summary line after it stays on screen)."""
    where = printable(name)
    for problem in problems[:LISTED]:
        sys.stderr.write(f"{where}:{problem}\n")
    if len(problems) > LISTED:
        sys.stderr.write(
            f"{where}: ... and {len(problems) - LISTED:,} more problem(s) like these; fix the ones above "
            "and run the command again to see the rest\n"
        )
    sys.stderr.flush()


def _file_problem(exc: OSError) -> str:
    if exc.filename is None and exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):  # a listening port
        detail = str(exc).split(": ", 1)[-1]
        return f"cannot listen there ({detail}); choose another --port, or stop what uses it (--host)"
    where = clipped(printable(exc.filename)) if exc.filename else "a file"
    if exc.errno == errno.ENOSPC:
        return f"{where}: the disk is full; free some space or choose another folder"
    if isinstance(exc, PermissionError):
        return f"{where}: permission denied; choose a path you may write to, or fix its permissions"
    if isinstance(exc, IsADirectoryError):
        return f"{where}: is a folder; give a file path"
    if isinstance(exc, FileExistsError):
        return f"{where}: is a file, where a folder is needed; check the path"
    if isinstance(exc, NotADirectoryError):
        return f"{where}: a part of this path is a file, not a folder; check the path"
    if isinstance(exc, FileNotFoundError):
        return f"{where}: no such file or folder; check the path"
    return f"{where}: {exc.strerror or exc}; check the path and its permissions"


def _network_problem(exc: BaseException) -> str | None:
    """The line for a service that could not be reached (no DNS, refused, timed out), or None."""
    import socket
    from urllib.error import URLError

    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectionError):  # Discord (discord.py), Slack's async client
        detail = str(exc) or type(exc).__name__
    elif isinstance(exc, URLError):  # slack_sdk's web client
        detail = f"cannot reach the server ({exc.reason})"
    elif isinstance(exc, socket.gaierror):
        detail = f"a host name could not be resolved ({exc.strerror or exc})"
    else:
        return None
    return (
        f"{detail[:200]}; check the network connection, and SLACK_API_URL / DISCORD_API_BASE / "
        "DATABASE_URL if you set them"
    )


def _database_problem(exc: Exception) -> str:
    from bot.settings import get_settings

    try:
        url = get_settings().database_shown
    except Exception:  # the URL itself is what is wrong
        url = "DATABASE_URL"
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    return f"the database {url} cannot be used ({detail}); check DATABASE_URL and that the server runs"


def _settings_problem(exc: Any) -> str:
    first = exc.errors()[0]
    name = "_".join(str(part) for part in first["loc"]).upper() or "a setting"
    message = str(first["msg"]).removeprefix("Value error, ")  # pydantic's prefix for a validator's own
    return f"{name}: {message}; fix it in the environment or .env (README: Configuration)"


def explain(exc: BaseException) -> list[str]:
    """The lines to print for an error a command raised."""
    from alembic.util import CommandError
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

    from bot.errors import InterviewerError, StudyError

    if isinstance(exc, StudyError):
        return list(exc.problems) or [str(exc)]
    if isinstance(exc, InterviewerError | ValueError) and type(exc).__module__.startswith("bot."):
        return str(exc).splitlines() or [type(exc).__name__]
    network = _network_problem(exc)
    if network:
        return [network]
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        return [_file_problem(exc)]
    if isinstance(exc, OperationalError | InterfaceError | DBAPIError | ArgumentError | ConnectionError):
        return [_database_problem(exc)]
    if isinstance(exc, CommandError):
        return [f"database migrations: {exc}; is this database from a newer version of interviewer?"]
    if isinstance(exc, ValidationError) and exc.title == "Settings":
        return [_settings_problem(exc)]
    if isinstance(exc, UnicodeError):
        return [f"a file is not UTF-8 text ({exc}); save it as UTF-8 and try again"]
    if isinstance(exc, RecursionError):
        return ["the input is nested too deeply to be read; check that it is the right file"]
    if isinstance(exc, MemoryError):
        return ["the input is too large to fit in memory; split it into smaller files"]
    return [f"unexpected {type(exc).__name__}: {str(exc)[:300]}", BUG]


def _safe(message: str) -> str:
    """`message` line by line through `printable`, its line breaks kept."""
    return "\n".join(printable(line) for line in message.split("\n"))


def _warning_to_log(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    log.debug("%s: %s (%s:%d)", category.__name__, message, filename, lineno)


def _refuse_huge(args: list[str]) -> None:
    """Stop with one line naming an argument longer than `MAX_ARGUMENT` (and its option), if any."""
    for n, arg in enumerate(args):
        if len(arg) <= MAX_ARGUMENT:
            continue
        if arg.startswith("--") and "=" in arg[:40]:
            option, arg = arg.split("=", 1)
            what = f"the value of {option}"
        else:
            what = f"the value of {args[n - 1]}" if n and args[n - 1].startswith("-") else "an argument"
        sys.stderr.write(
            f"error: {what} has {len(arg):,} characters (starting {arg[:20]!r}), more than any id, path or "
            f"option value this command takes ({MAX_ARGUMENT:,} at most); check the command line\n"
        )
        raise SystemExit(2)


def run(app: Callable[..., Any], argv: list[str] | None = None) -> None:
    """Run the typer `app` with every failure reported as one line (or in full with --debug)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_FLAG in args
    args = [a for a in args if a != DEBUG_FLAG]
    _refuse_huge(args)
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    warnings.showwarning = _warning_to_log  # handled: logged at DEBUG, not printed
    import typer

    try:
        from typer._click import exceptions as click  # typer 0.20 and later carry their own click
    except ImportError:  # pragma: no cover - older typer uses click itself
        from click import exceptions as click  # type: ignore[no-redef]

    try:
        # not standalone: click's usage errors come back here, to be one line like every other failure
        code = app(args=args, prog_name="interviewer", standalone_mode=False)
        if isinstance(code, int) and code:  # a typer.Exit(n), returned rather than raised
            raise SystemExit(code)
    except click.NoArgsIsHelpError as exc:  # a command group alone: its help, as before
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except click.UsageError as exc:
        where = f"`{exc.ctx.command_path} --help`" if exc.ctx is not None else "`interviewer --help`"
        sys.stderr.write(f"error: {printable(exc.format_message().rstrip('.'))}; see {where}\n")
        raise SystemExit(2) from None
    except click.ClickException as exc:  # e.g. a file argument that cannot be opened
        sys.stderr.write(f"error: {printable(exc.format_message())}\n")
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130) from None
    except SystemExit as exc:
        if isinstance(exc.code, str):  # `raise SystemExit("message")`: the message is the error line
            sys.stderr.write(f"error: {_safe(exc.code)}\n")
            raise SystemExit(2) from None
        raise
    except Exception as exc:
        if debug:
            traceback.print_exception(exc)
        # each line once more through `printable`: a message that forgot to escape what it echoes (a
        # path, an id, a library's error quoting its input) still cannot colour or split the screen
        lines = [_safe(line) for line in explain(exc)]
        for line in lines[:-1]:
            sys.stderr.write(f"{line}\n")
        sys.stderr.write(f"error: {lines[-1]}\n")
        raise SystemExit(2) from None
