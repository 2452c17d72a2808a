"""Whole interviews and their traces: a console interview run to the end, replayable transcripts in the
dataset layout, and the states a person's interviews are in."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import col, select

from bot.runtime import Runtime
from bot.storage.models import Interview, Participant
from tests.support.helpers import Console

SECRET = "Mail me at jo.smith@example.com or call +44 20 7946 0958."
ANSWERS = [
    "I use it to draft specifications and summarise long meeting notes every single week at work.",
    "Not sure.",
    "I compare it against the source documents and ask a colleague when numbers look odd. " + SECRET,
    "Less drafting, more reviewing and deciding what matters to the client in the end.",
]


async def complete(c: Console, role: str = "2", release: str = "1") -> None:
    """Run one whole interview through the console: consent, release, role, answers, survey."""
    await c.say("hi")
    await c.say("1")
    await c.say(release)
    await c.say(role)
    for text in ANSWERS:
        if c.last and c.last.prompt and c.last.prompt.startswith("survey:"):
            break
        await c.say(text)
    for _ in range(5):
        if c.last and c.last.prompt and c.last.prompt.startswith("survey:"):
            await c.say("1" if c.last.prompt == "survey:recommend" else "6")


RICH_TASKS = (
    "Mostly drafting. Last Tuesday I had it turn my meeting notes into a first draft of the client "
    "report, then I rewrote the conclusions myself because they were too vague."
)
RICH_TRUST = (
    "I compare every number against the source spreadsheet. Last month it invented a citation in a "
    "summary and since then I open each reference before I send anything."
)
TERSE = "Not sure."


def write_transcripts(path: Path) -> None:
    """Two transcripts: one answers the tasks and trust questions in depth, one only about tasks."""
    rows = [
        (
            "t1",
            f"AI: Which tasks at work do you use software tools for?\nUser: {RICH_TASKS}\n"
            f"AI: How do you check what the tools give you?\nUser: {RICH_TRUST}\n"
            "AI: How might your role change in the future?\nUser: Hard to say.",
        ),
        (
            "t2",
            f"Assistant: What tasks do you use these tools for at work?\nUser: {RICH_TASKS}\n"
            f"Assistant: How do you check the output?\nUser: {TERSE}\n"
            "Assistant: When did the output go wrong?\nUser: I don't know.\n"
            "Assistant: How might your job change?\nUser: Maybe.",
        ),
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transcript_id", "text"])
        writer.writerows(rows)


async def state_of(runtime: Runtime, user: str) -> list[str]:
    """The states of a person's interviews, oldest first."""
    async with runtime.store.session() as s:
        found = await s.exec(
            select(Interview.state)
            .join(Participant)
            .where(Participant.user_id == user)
            .order_by(col(Interview.id))
        )
        return list(found.all())
