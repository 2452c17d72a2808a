"""Pilot a study with simulated participants, through the real engine, and report how the plan held up.

Answers come from an `Answerer`: offline replay of real transcripts (for each question, the answer whose
preceding interviewer question is most similar), Claude playing personas, or the demo's scripted answers.
Every pilot interview is stored with `pilot=True`, so status counts and exports leave it out.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import col, select

from bot.claude.shape import Use
from bot.engine.engine import Engine
from bot.interview.conversation import TERMINAL, State
from bot.interviewer.scripted import is_thin
from bot.messages import ANSWERED, Address, Inbound, Outbound
from bot.pilot.demo import ANSWERS, ScriptedParticipant
from bot.records.importer import ImportReport, dataset_rows
from bot.storage.models import Interview, Turn
from bot.studies.planning.words import similarity
from bot.studies.study import Study
from bot.text_files import printable
from bot.yaml_files import load_yaml

PILOT = "pilot"  # the platform name simulated participants talk on
MAX_EXCHANGES = 120  # a runaway guard: no real interview comes close
READ_MINUTES = 0.25  # reading a question and starting to type
TYPING_WPM = 35.0  # chat typing speed used for the duration estimate
NOTHING_MORE = "I don't have anything more to add."


# ---- where answers come from ------------------------------------------------------------------------


class Answerer(Protocol):
    """Answers interview questions for simulated participant number `who`."""

    def label(self, who: int) -> str: ...

    async def answer(self, who: int, question: str, transcript: list[tuple[str, str]]) -> str: ...


@dataclass(frozen=True)
class Exchange:
    question: str
    answer: str


def load_transcripts(path: Path) -> dict[str, list[Exchange]]:
    """A CSV in the Anthropic interviewer dataset layout (transcript_id,text) -> exchanges per transcript.

    Malformed rows are skipped (the same rows `interviewer import` reports); a file with no usable
    question-and-answer pair at all is an error that lists the first problems.
    """
    report = ImportReport()
    out: dict[str, list[Exchange]] = {}
    for row in dataset_rows(path, report):
        pairs = [
            Exchange(q, a)
            for (qr, q), (ar, a) in itertools.pairwise(row.turns)
            if qr == "interviewer" and ar == "participant" and a
        ]
        if pairs:
            out.setdefault(row.transcript_id, []).extend(pairs)
    if not out:
        problems = "; ".join(report.problems[:3])
        raise ValueError(
            f"{printable(path)}: no question-and-answer turns found"
            + (f" ({problems})" if problems else "")
            + "; turns start with 'Assistant:' or 'AI:' for the interviewer and 'User:' for the participant"
        )
    return out


class ReplayAnswerer:
    """Participant `n` replays transcript `n` (round robin), picking the answer to the most similar question."""

    def __init__(self, transcripts: dict[str, list[Exchange]]):
        self.ids = sorted(transcripts)
        self.transcripts = transcripts
        self._used: dict[int, set[int]] = {}

    def label(self, who: int) -> str:
        return f"replay {self.ids[who % len(self.ids)]}"

    async def answer(self, who: int, question: str, transcript: list[tuple[str, str]]) -> str:
        exchanges = self.transcripts[self.ids[who % len(self.ids)]]
        used = self._used.setdefault(who, set())
        scored = [(similarity(question, e.question), -i, i) for i, e in enumerate(exchanges) if i not in used]
        if not scored:  # the transcript is used up; repeating it would invent coverage it never had
            return NOTHING_MORE
        _, _, best = max(scored)
        used.add(best)
        return exchanges[best].answer


class ScriptedAnswerer:
    """The demo's canned answers, for a pilot with no transcripts and no API key."""

    def __init__(self) -> None:
        self._answers: dict[int, itertools.cycle[str]] = {}

    def label(self, who: int) -> str:
        return "scripted"

    async def answer(self, who: int, question: str, transcript: list[tuple[str, str]]) -> str:
        cycle = self._answers.setdefault(who, itertools.cycle(ANSWERS[who % len(ANSWERS) :] + ANSWERS))
        return next(cycle)


# ---- the run -----------------------------------------------------------------------------------------


class _Collector:
    """The pilot platform's sender: keeps every message per simulated participant."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Outbound]] = {}
        self._ids = itertools.count(1)

    async def send(self, message: Outbound) -> str:
        self.sent.setdefault(message.to.user_id, []).append(message)
        return f"pilot-{next(self._ids)}"

    async def mark_answered(
        self, message_id: str, message: Outbound, answer_label: str, note: str = ANSWERED
    ) -> None:
        """Nothing to update: simulated participants do not look back."""

    async def delete(self, to: Address, message_id: str) -> None:
        """Nothing to delete: the pilot's messages exist only in this run."""


@dataclass
class InterviewResult:
    number: int
    source: str
    interview_id: int
    state: str
    questions: int = 0  # core questions (ask + transition)
    followups: int = 0
    covered: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)  # topics with at least one substantive answer
    minutes: float = 0.0
    missed_must: list[str] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # (flags, participant text)


@dataclass
class PilotReport:
    study: Study
    interviews: list[InterviewResult]

    def topic_counts(self) -> dict[str, tuple[int, int]]:
        """topic id -> (interviews that covered it, interviews with a substantive answer on it)."""
        covered = Counter(t for r in self.interviews for t in r.covered)
        answered = Counter(t for r in self.interviews for t in r.answered)
        return {t.id: (covered[t.id], answered[t.id]) for t in self.study.plan.topics}


async def run_pilot(
    engine: Engine, study: Study, answerer: Answerer, participants: int, *, run_id: str = "run"
) -> PilotReport:
    """Run `participants` simulated interviews of `study` one after another and summarise them."""
    collector = _Collector()
    engine.register_sender(PILOT, collector)
    results = []
    for n in range(participants):
        who = Address(PILOT, run_id, f"sim-{n + 1}")
        interview_id = await engine.open_pilot(who, study.id)
        await _converse(engine, collector, who, n, interview_id, answerer, run_id)
        results.append(await _summarise(engine, study, n, interview_id, answerer.label(n)))
    return PilotReport(study, results)


async def _converse(
    engine: Engine,
    collector: _Collector,
    who: Address,
    n: int,
    interview_id: int,
    answerer: Answerer,
    run_id: str,
) -> None:
    chooser = ScriptedParticipant()
    transcript: list[tuple[str, str]] = []
    keys = (f"pilot:{run_id}:{who.user_id}:{i}" for i in itertools.count())
    await engine.receive(Inbound(who, next(keys), text="hello", interview_id=interview_id))
    await engine.drain()
    for _ in range(MAX_EXCHANGES):
        async with engine.store.session() as s:
            row = await s.get(Interview, interview_id)
            state = State(row.state) if row else State.STOPPED
        sent = collector.sent.get(who.user_id, [])
        if state in TERMINAL or not sent:
            return
        last = sent[-1]
        if last.choices or (last.prompt and last.prompt.startswith(("screen:", "survey:"))):
            choice, text = chooser.reply(last)
            inbound = (
                Inbound(who, next(keys), prompt=last.prompt, choice=choice, interview_id=last.interview_id)
                if choice is not None
                else Inbound(who, next(keys), text=text)
            )
        else:
            transcript.append(("interviewer", last.text))
            text = await answerer.answer(n, last.text, transcript)
            transcript.append(("participant", text))
            inbound = Inbound(who, next(keys), text=text)
        await engine.receive(inbound)
        await engine.drain()


async def _summarise(engine: Engine, study: Study, n: int, interview_id: int, source: str) -> InterviewResult:
    async with engine.store.session() as s:
        row = await s.get(Interview, interview_id)
        turns = list(
            (
                await s.exec(select(Turn).where(Turn.interview_id == interview_id).order_by(col(Turn.seq)))
            ).all()
        )
    result = InterviewResult(n + 1, source, interview_id, row.state if row else "?")
    topic: str | None = None
    covered: set[str] = set()
    answered: set[str] = set()
    for turn in turns:
        if turn.role == "interviewer":
            topic = turn.topic_id
            covered.update(turn.covered)
            if turn.move in ("ask", "transition"):
                result.questions += 1
            elif turn.move == "probe":
                result.followups += 1
            if turn.flags:
                before = [t for t in turns if t.role == "participant" and t.seq < turn.seq]
                result.flagged.append((", ".join(turn.flags), before[-1].text if before else ""))
        else:
            result.minutes += READ_MINUTES + len(turn.text.split()) / TYPING_WPM
            if topic and not is_thin(turn.text):
                answered.add(topic)
    order = [t.id for t in study.plan.topics]
    result.covered = [t for t in order if t in covered]
    result.answered = [t for t in order if t in answered]
    closed = result.state in (State.SURVEYING.value, State.COMPLETED.value)
    if closed:
        result.missed_must = [t.id for t in study.plan.topics if t.priority == "must" and t.id not in covered]
    return result


# ---- personas ----------------------------------------------------------------------------------------

DEFAULT_PERSONAS = (
    ("terse", "answers in a few words and rarely gives examples unless asked twice"),
    ("rambling", "answers at length, drifts into side stories, but has real examples"),
    ("off-topic", "often talks about something unrelated and must be steered back"),
    ("reluctant", "is wary of the study, hedges, and sometimes declines to answer"),
    ("enthusiastic", "eager, detailed, full of concrete recent examples"),
    ("sceptical", "critical of the subject and says so, with reasons from experience"),
)


MAX_PERSONAS_BYTES = 1_000_000


def load_personas(path: Path) -> list[tuple[str, str]]:
    """A YAML list of {name, description} (or plain strings) -> personas."""
    data = load_yaml(path, max_bytes=MAX_PERSONAS_BYTES, what="a YAML list of personas")  # YamlProblem
    if not isinstance(data, list) or not data:
        raise ValueError(
            f"{printable(path)}: write a YAML list of personas, each {{name: ..., description: ...}}"
        )
    out = []
    for i, item in enumerate(data):
        if isinstance(item, str):
            out.append((f"persona-{i + 1}", item))
        elif isinstance(item, dict) and item.get("description"):
            out.append((str(item.get("name") or f"persona-{i + 1}"), str(item["description"])))
        else:
            raise ValueError(f"{printable(path)}: persona [{i}] needs a description")
    return out


PERSONA_TOOL = "reply_as_participant"
PERSONA = Use("persona", answer_tokens=1024)  # a chat reply: no thinking needed


class PersonaAnswerer:
    """Claude plays participant `n` as persona `n` (round robin) from the study's audience."""

    def __init__(self, claude: Any, study: Study, personas: list[tuple[str, str]] | None = None):
        self.claude = claude
        self.study = study
        self.personas = personas or list(DEFAULT_PERSONAS)

    def label(self, who: int) -> str:
        return f"persona {self.personas[who % len(self.personas)][0]}"

    async def answer(self, who: int, question: str, transcript: list[tuple[str, str]]) -> str:
        name, description = self.personas[who % len(self.personas)]
        system = (
            f"You play a participant in a research interview held in a chat. You are one of: "
            f"{self.study.audience}. Your manner: {name}, who {description}. Invent a plausible, specific "
            "life and stay consistent with what you said before. Reply with the participant's next chat "
            "message only."
        )
        lines = "\n".join(f"{'Interviewer' if r == 'interviewer' else 'You'}: {t}" for r, t in transcript)
        tool = {
            "name": PERSONA_TOOL,
            "description": "The participant's next chat message.",
            "input_schema": {
                "type": "object",
                "properties": {"message": {"type": "string"}},
                "required": ["message"],
            },
        }
        data = await self.claude.call_tool(
            system, [{"role": "user", "content": f"The conversation so far:\n{lines}"}], tool, use=PERSONA
        )
        text = data.get("message")
        return text.strip() if isinstance(text, str) and text.strip() else "(no answer)"
