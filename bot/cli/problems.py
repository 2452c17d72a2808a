"""`interviewer db problems`: what was set aside after repeated failures (messages in and out, invitations
and follow-up waves whose planning failed), members of a follow-up wave whose invitation could not be
written, deletions a platform refused after a withdrawal, cohort invitations the bot gave up, and putting
them back to be tried again. Nothing a participant wrote is shown unless `--show-text` asks for it.
A follow-up wave taken out of its study file is not listed, nor the members set aside from it
(`bot.outreach.study_waves`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from bot.settings import get_settings

if TYPE_CHECKING:  # imported where used, so that `--help` loads nothing heavy
    from bot.engine import dead_letters, retraction
    from bot.outreach import cohort_problems, set_aside

KINDS = ("in", "out", "inv", "wave")
NOT_RETRIED = (
    "a cohort invitation the bot gave up is not tried again: its member list was not kept, and would be "
    "stale by now. Run the invite command again (nobody is invited twice); that takes it off the list. "
    "To take it off without inviting, `interviewer db problems --dismiss cohort:ID`"
)


@dataclass
class Problems:
    letters: list[dead_letters.DeadLetter]
    invitations: list[set_aside.SetAside]
    members: list[set_aside.SetAsideMember]
    waves: list[set_aside.SetAsideWave]
    deletions: list[retraction.RefusedDeletion]
    requests: list[cohort_problems.GivenUp]
    removed: int = 0  # set-aside waves, and members set aside from them, whose study file dropped the wave

    def __bool__(self) -> bool:
        return bool(
            self.letters or self.invitations or self.members or self.waves or self.deletions or self.requests
        )


def _ids(retry: list[str], kinds: tuple[str, ...] = KINDS, option: str = "--retry") -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {kind: [] for kind in kinds}
    for entry in retry:
        kind, _, number = entry.partition(":")
        if kind == "cohort" and option == "--retry":
            raise typer.BadParameter(f"{entry!r}: {NOT_RETRIED}", param_hint=option)
        example = "in:12" if option == "--retry" else "cohort:3"
        if kind not in ids:
            raise typer.BadParameter(
                f"{entry[:60]!r}: the kind before the colon is one of {', '.join(k + ':' for k in kinds)}; "
                f"give the id shown by `db problems`, e.g. {example}",
                param_hint=option,
            )
        # ASCII digits only: str.isdigit() also takes other scripts' digits and superscripts
        if not (number.isascii() and number.isdigit()) or len(number) > 12 or int(number) == 0:
            raise typer.BadParameter(
                f"{entry[:60]!r}: after {kind}: comes a number (digits only, 1 or more); give the id shown by "
                f"`db problems`, e.g. {example}",
                param_hint=option,
            )
        if int(number) not in ids[kind]:  # the same id twice is put back once
            ids[kind].append(int(number))
    return ids


async def _look(ids: dict[str, list[int]], dismissed: list[int]) -> tuple[Problems, dict[str, int]]:
    """What is set aside now, after putting back what `ids` names and dismissing the cohort requests
    `dismissed` names; how many of each kind were put back or dismissed."""
    from bot.engine import dead_letters, retraction
    from bot.outreach import cohort_problems, set_aside
    from bot.outreach.study_waves import study_waves
    from bot.storage import Store

    settings = get_settings()
    store = Store(settings.database_url)
    try:
        await store.upgrade()
        put_back = {
            "dead letter(s)": await dead_letters.retry(store, ids["in"], ids["out"]),
            "refused deletion(s)": await retraction.try_again(store, ids["out"]),
            "invitation(s)": await set_aside.put_back(store, ids["inv"]),
            "follow-up wave(s)": await set_aside.put_back_waves(store, ids["wave"]),
            "cohort invitation(s) dismissed": await cohort_problems.dismiss(store, dismissed),
        }
        removed = study_waves(settings.studies_dir).removed
        members = await set_aside.members_set_aside(store)
        waves = await set_aside.waves_set_aside(store)
        found = Problems(
            await dead_letters.dead_letters(store),
            await set_aside.set_aside(store),
            [m for m in members if not removed(m.study_id, m.wave)],
            [w for w in waves if not removed(w.study_id, w.wave)],
            await retraction.refused(store),
            await cohort_problems.given_up(store),
        )
        found.removed = len(members) + len(waves) - len(found.members) - len(found.waves)
        return found, put_back
    finally:
        await store.close()


def problems_cmd(
    show_text: bool = typer.Option(
        False, "--show-text", help="Also print the messages' text (participants' words: handle with care)."
    ),
    retry: list[str] = typer.Option(
        [],
        "--retry",
        help="Put this back to be tried again: its id as shown, e.g. in:12, out:7, inv:3 or wave:2 "
        "(repeatable).",
    ),
    dismiss: list[str] = typer.Option(
        [],
        "--dismiss",
        help="Stop listing a cohort invitation the bot gave up, which is not to be run again: its id as "
        "shown, e.g. cohort:3 (repeatable).",
    ),
) -> None:
    """List what was set aside after failing, to retry after a fix or dismiss.

    Messages in and out that failed three times, invitations and follow-up waves whose planning failed
    three times, follow-up wave invitations that could not be written, deletions refused after a
    withdrawal, and cohort invitations the bot gave up. `--retry in:ID` (or out:ID, inv:ID, wave:ID)
    after a fix; `--dismiss cohort:ID` for a cohort invitation not to run again."""
    ids = _ids(retry)
    dismissed = _ids(dismiss, ("cohort",), "--dismiss")["cohort"]
    found, done = asyncio.run(_look(ids, dismissed))
    asked = sum(len(numbers) for numbers in ids.values()) + len(dismissed)
    if sum(done.values()) < asked:
        shown = ", ".join(
            [f"{kind}:{n}" for kind, numbers in ids.items() for n in numbers]
            + [f"cohort:{n}" for n in dismissed]
        )
        raise SystemExit(
            f"{sum(done.values())} of {asked} put back or dismissed: not every id given ({shown}) is set aside "
            "(already put back, or never listed); run `interviewer db problems` to see their ids"
        )
    for what, count in done.items():
        if count and what.endswith("dismissed"):
            typer.echo(f"{count} {what}: no longer listed")
        elif count:
            typer.echo(f"{count} {what} put back; a running bot tries them again within a tick")
    if found.removed:
        typer.echo(
            f"({found.removed} set-aside follow-up wave(s) or wave member(s) not listed: their wave is no "
            "longer in its study file, so nothing is planned for them; listed again if it comes back)"
        )
    if not found:
        typer.echo(
            "no dead letters: every message in and out was processed, every invitation and follow-up "
            "wave planned, every deletion asked for by a withdrawal done or under way, every cohort "
            "invitation finished"
        )
        return
    _show(found, show_text)


def _show(found: Problems, show_text: bool) -> None:
    from bot.engine.missing_permissions import named, waiting_for

    held = [x for x in found.letters if x.kind == "out" and named(x.error)]  # the app lacks a permission
    letters = [x for x in found.letters if x not in held]
    _section(
        [x.line(show_text) for x in letters],
        (
            f"{len(letters)} dead letter(s). Each participant was told their message could not be "
            "processed; after fixing the cause, `interviewer db problems --retry in:ID` tries one again."
        ),
    )
    _section(
        [x.line(show_text) for x in held],
        (
            f"{len(held)} message(s) set aside because the app lacks a permission (nothing is lost): "
            f"{waiting_for([x.error for x in held])}. Then `interviewer db problems --retry out:ID` sends each."
        ),
    )
    _show_outreach(found)
    _section(
        [x.line() for x in found.deletions],
        (
            f"{len(found.deletions)} deletion(s) refused: each is a message of the bot's that a participant's "
            "withdrawal asked to delete from their DM, and that the platform would not delete (the error "
            "is shown; no participant text is kept). What you can do: once the cause is mended (the app "
            "reinstalled or its token renewed, the bot's `chat:write` scope back), `interviewer db problems "
            "--retry out:ID` tries again; or delete the message by hand with the bot's token (Slack: "
            "`chat.delete` in the DM with that member, with each ts shown; Discord: delete that message "
            "id in the bot's DM with them); or, if it cannot go, tell the participant that this message "
            "of the bot's stays in the DM. See docs/privacy.md."
        ),
    )
    _show_requests(found)


def _show_outreach(found: Problems) -> None:
    from bot.outreach.set_aside import MAX_PLAN_FAILURES

    _section(
        [x.line() for x in found.invitations],
        (
            f"{len(found.invitations)} invitation(s) set aside: planning their reminders or expiry failed "
            f"{MAX_PLAN_FAILURES} times in a row (the bot's log names the error: `planning invitation ID "
            "failed`). They get no reminder and do not expire until put back; after fixing the cause, "
            "`interviewer db problems --retry inv:ID`."
        ),
    )
    _section(
        [x.line() for x in found.members],
        (
            f"{len(found.members)} member(s) set aside from follow-up waves: their invitation could not be "
            "written (the bot's log names the error: `inviting participant N to wave WAVE of study STUDY "
            "failed`). The wave goes on for everyone else; they are not tried again until put back. After "
            "fixing the cause, `interviewer db problems --retry inv:ID`, and the next tick invites them."
        ),
    )
    _section(
        [x.line() for x in found.waves],
        (
            f"{len(found.waves)} follow-up wave(s) set aside: planning them failed {MAX_PLAN_FAILURES} times "
            "in a row (the bot's log names the error: `planning wave WAVE of study STUDY failed`). Nobody "
            "is invited to them until put back; after fixing the cause, `interviewer db problems --retry "
            "wave:ID`, and everyone who came due meanwhile is invited at the next tick."
        ),
    )


def _show_requests(found: Problems) -> None:
    _section(
        [x.line() for x in found.requests],
        (
            f"{len(found.requests)} cohort invitation(s) given up (`invite <study> members:#channel` or "
            "`role:@Role`): interrupted, and not resumed within a day or failing at each run; the "
            "organizer who ran the command was told by DM. Nobody was invited by it. What to do: run the "
            "same invite command again (nobody is invited twice; the members are read afresh), which "
            "takes it off this list. It is not tried again with --retry: its member list was not kept, "
            "and would be stale by now. Not to invite them: `interviewer db problems --dismiss cohort:ID`."
        ),
    )


def _section(lines: list[str], summary: str) -> None:
    """One kind of problem: a line per item, then what they are and what to do (nothing when none)."""
    for line in lines:
        typer.echo(line)
    if lines:
        typer.echo(summary)


def register(db_app: typer.Typer) -> None:
    db_app.command("problems")(problems_cmd)
