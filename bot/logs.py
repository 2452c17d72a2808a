"""Logging for the running bot: our own lines at LOG_LEVEL, and Slack's, Discord's and the web server's
libraries only from WARNING up, because their DEBUG and INFO lines carry request bodies: message text
(Bolt logs the body of a request it refuses at INFO), button values, slash command arguments."""

from __future__ import annotations

import asyncio
import logging
import sys

# Libraries whose records below WARNING may hold a request or event body
QUIET_BELOW_WARNING = (
    "slack_bolt",
    "slack_sdk",
    "slack",
    "discord",
    "aiohttp",
    "apscheduler",
    "websockets",
    "alembic.runtime.plugins",  # a line per plugin at every start; the migrations themselves still show
)
_BODY_MARKERS = ("body", "payload", "content")
# Warnings a library gives at every start that do not apply to this bot
_MISLEADING = (
    ("discord.client", "voice will NOT be supported"),  # a text-only bot needs no voice libraries
    # Bolt reads SLACK_BOT_TOKEN itself; the bot passes the token in its client and `authorize` instead
    ("slack_bolt", "`token` will be unused"),
    ("slack_bolt", "`token` (or SLACK_BOT_TOKEN env variable) will be ignored"),
    # A tick still running (a paced bulk send) when the next is due: skipping it is the design
    # (bot.outreach.scheduler: max_instances=1, coalesce), and a late tick runs once, not in a burst
    ("apscheduler", "maximum number of running instances reached"),
    ("apscheduler", "was missed by"),
)


class NoBodies(logging.Filter):
    """Cuts what a library record says after a mention of a body or payload, at any level: a warning
    may still quote one (e.g. Bolt's "skipped calling next() ... (<body>)"). Below LOG_LEVEL=DEBUG a
    library's traceback is left out (its one line stays: "Failed to connect ...; Retrying..."), and a
    job cancelled because the process is stopping is not an error."""

    def __init__(self, tracebacks: bool = False) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(QUIET_BELOW_WARNING):
            return True
        if record.levelno < logging.WARNING:  # a library logger with a level of its own (Bolt sets some)
            return False
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        if any(record.name.startswith(name) and text in str(record.msg) for name, text in _MISLEADING):
            return False
        if not self.tracebacks:
            record.exc_info, record.exc_text = None, None
        message = record.getMessage()
        cut = min((i for marker in _BODY_MARKERS if (i := message.lower().find(marker)) >= 0), default=-1)
        if cut >= 0:
            record.msg, record.args = message[:cut] + "[request body not logged]", None
        return True


def configure(level_name: str, *, quiet: bool = False) -> None:
    """Set up logging to standard error (terminal commands pass `quiet`: warnings only)."""
    level = logging.WARNING if quiet else getattr(logging, level_name.upper(), logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NoBodies(tracebacks=level <= logging.DEBUG))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
