"""Interviews in the terminal: the session `interviewer chat` and `interviewer demo` share, and the demo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings
from bot.text_files import printable

if TYPE_CHECKING:  # imported by the commands that use them, so that `--help` loads nothing heavy
    from adapters.console import ConsoleSession
    from bot.runtime import Runtime


def study_path(study: str, settings: Settings, option: str = "--study") -> Path:
    """The study file `study` names: a path, or the id of a file in STUDIES_DIR."""
    if not study.strip():  # Path("") is the current folder: "is a folder" would say nothing useful
        raise SystemExit("--study is empty; give a study id (e.g. ai-at-work) or the path of a study file")
    path = Path(study)
    if not path.suffix and not path.exists():
        path = settings.studies_dir / f"{study}.yaml"
        if not path.exists():  # an id without a file: name the ids there are, not a path nobody typed
            known = ", ".join(p.stem for p in sorted(settings.studies_dir.glob("*.yaml")))
            folder = settings.studies_dir.resolve()
            there = (
                f"study ids in STUDIES_DIR: {known}"
                if known
                else f"STUDIES_DIR ({printable(folder)}) holds no study file: run the command in the project folder "
                "(the bundled studies are in its studies/), or set STUDIES_DIR to your study files' folder"
            )
            raise SystemExit(f"{option} {study[:70]!r}: no study file {printable(path)}; {there}")
    return path


@asynccontextmanager
async def session(
    settings: Settings, study: str, interviewer: str | None, name: str
) -> AsyncIterator[tuple[Runtime, ConsoleSession]]:
    """The runtime of one study and the terminal participant `name` in it."""
    from adapters.console import ConsoleSession
    from bot.runtime import Runtime, make_interviewer
    from bot.studies.study import load_study

    path = study_path(study, settings)
    study_id = load_study(path).id
    chosen = make_interviewer(settings, interviewer)
    async with Runtime.start(settings, interviewer=chosen, study_paths=[path]) as runtime:
        # the session finishes its own participant's unfinished work when it opens (ConsoleSession.open)
        yield runtime, ConsoleSession(runtime.engine, study_id, name)


async def require_open(runtime: Runtime, session: ConsoleSession, command: str) -> None:
    """Stop before anything is said or stored when REQUIRE_APPROVAL keeps the study from starting an
    interview and this participant has none under way to resume (those finish under their version)."""
    if await runtime.engine.study_open(session.study_id) or await _under_way(runtime, session):
        return
    raise SystemExit(
        f"REQUIRE_APPROVAL is on and study {session.study_id!r} has no approved plan version, so it "
        f"interviews nobody; approve it (`interviewer plan approve FILE --by NAME`) or run the {command} "
        "without it"
    )


async def _under_way(runtime: Runtime, session: ConsoleSession) -> bool:
    from sqlmodel import col, select

    from bot.interview.conversation import TERMINAL
    from bot.storage.models import Interview, Participant

    who = session.address
    query = (
        select(Interview.id)
        .join(Participant, col(Participant.id) == col(Interview.participant_id))
        .where(
            Participant.platform == who.platform,
            Participant.workspace == who.workspace,
            Participant.user_id == who.user_id,
            Interview.study_id == session.study_id,
            col(Interview.state).not_in([state.value for state in TERMINAL]),
        )
        .limit(1)
    )
    async with runtime.store.session() as s:
        return (await s.exec(query)).first() is not None


async def run_demo(settings: Settings, study: str, interviewer: str | None) -> None:
    """A whole interview with a scripted participant, then its survey answers, written to stdout."""
    from sqlmodel import col, select

    from bot.pilot.demo import ScriptedParticipant
    from bot.storage.models import Interview, SurveyAnswer

    participant = ScriptedParticipant()
    async with session(settings, study, interviewer, f"demo-{id(settings):x}") as (runtime, console):
        await require_open(runtime, console, "demo")  # else every answer meets "not open yet"
        out = console.sender.out
        await console.open()
        for _ in range(200):
            last = console.sender.last
            if last is None or console.finished:
                break
            if last.key.split(":")[1:2] in (["wait"], ["later"]):  # bot.engine.claude_trouble's notices
                raise SystemExit(
                    "Claude did not answer (the warnings above say why), so the demo stops here; check the "
                    "set-up with `interviewer doctor`, or run the demo with --interviewer offline"
                )
            choice, text = participant.reply(last)
            out.write(f"\nParticipant: {text}\n")
            if choice is not None:
                number = [c.value for c in last.choices].index(choice) + 1
                await console.say(str(number))
            else:
                await console.say(text)
        async with runtime.store.session() as s:
            interview = (await s.exec(select(Interview).order_by(col(Interview.id).desc()))).first()
            answers = (
                (
                    await s.exec(
                        select(SurveyAnswer)
                        .where(SurveyAnswer.interview_id == interview.id)
                        .order_by(col(SurveyAnswer.id))
                    )
                ).all()
                if interview
                else []
            )
        out.write("\nSurvey answers:\n")
        for a in answers:
            out.write(f"  {a.item_id}: {a.value}\n")
        out.write(
            f"\n(Interview {interview.id if interview else '?'} is {interview.state if interview else '?'}; "
            f"stored in {settings.database_shown}.)\n"
        )
