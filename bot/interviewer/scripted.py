"""The offline interviewer: deterministic, no network. Walks the plan and probes short or vague answers."""

from __future__ import annotations

import re

from bot.interview.locales import texts_for
from bot.interview.moves import Move, MoveKind
from bot.interviewer.base import InterviewContext

VAGUE = (
    "not sure",
    "it depends",
    "depends",
    "maybe",
    "i guess",
    "idk",
    "don't know",
    "dont know",
    "hard to say",
    "kind of",
    "sort of",
    "nothing much",
    "not really",
)
DISTRESS = (
    "hopeless",
    "can't cope",
    "cannot cope",
    "suicid",
    "self-harm",
    "kill myself",
    "panic attack",
    "breaking down",
    "burnt out",
    "burned out",
    "overwhelmed",
    "depressed",
    "can't go on",
)
ABUSE = ("fuck", "shit", "idiot", "stupid bot", "shut up", "asshole", "bastard")
SHORT_WORDS = 12


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def is_thin(answer: str) -> bool:
    """Short or vague answers earn a probe."""
    low = answer.lower()
    return _words(answer) < SHORT_WORDS or any(v in low for v in VAGUE)


def flags_for(answer: str) -> tuple[str, ...]:
    low = answer.lower()
    found = []
    if any(w in low for w in DISTRESS):
        found.append("distress")
    if any(w in low for w in ABUSE):
        found.append("abuse")
    return tuple(found)


def probe_text(note: str, language: str = "en") -> str:
    note = note.strip()
    if note.endswith("?"):
        return note
    return texts_for(language).offline_probe.format(note=note.rstrip("."))


class OfflineInterviewer:
    """Asks each topic's core question in priority order and one probe from the notes when an answer is thin."""

    name = "offline"

    async def next_move(self, context: InterviewContext) -> Move:
        g = context.guidance
        study = context.study
        last = next((t.text for t in reversed(context.transcript) if t.role == "participant"), "")
        flags = flags_for(last)
        n_turns = len(context.transcript)
        texts = texts_for(study.language)
        acks = texts.offline_acks.splitlines()
        ack = acks[n_turns % len(acks)] + " " if last else ""
        if "distress" in flags:
            ack = texts.offline_distress + " "
        if g.must_close:
            return Move(MoveKind.CLOSE, study.plan.closing, None, flags=flags, model=self.name)
        current = study.topic(g.current_topic or "")
        if current is not None and g.may_probe and is_thin(last):
            used = next((s.followups for s in context.topics if s.topic_id == current.id), 0)
            if used < len(current.probes):
                return Move(
                    MoveKind.PROBE,
                    ack + probe_text(current.probes[used], study.language),
                    current.id,
                    flags=flags,
                    model=self.name,
                )
        nxt = study.topic(g.next_topic or "")
        if nxt is None:
            covered = (current.id,) if current else ()
            return Move(
                MoveKind.CLOSE, study.plan.closing, None, covered=covered, flags=flags, model=self.name
            )
        kind = MoveKind.ASK if current is None else MoveKind.TRANSITION
        covered = (current.id,) if current else ()
        return Move(kind, ack + nxt.question, nxt.id, covered=covered, flags=flags, model=self.name)
