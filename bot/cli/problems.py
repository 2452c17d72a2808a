"""`interviewer db problems`: what was set aside after repeated failures (messages in and out, invitations
and follow-up waves whose planning failed), members of a follow-up wave whose invitation could not be
written, deletions a platform refused after a withdrawal, and putting them back to be tried again.
Nothing a participant wrote is shown unless `--show-text` asks for it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from bot.settings import get_settings

if TYPE_CHECKING:  # imported where used, so that `--help` loads nothing heavy
    from bot.engine import dead_letters, retraction
    from bot.outreach import set_aside

KINDS = ("in", "out", "inv", "wave")


@dataclass
class Problems:
    letters: list[dead_letters.DeadLetter]
    invitations: list[set_aside.SetAside]
    members: list[set_aside.SetAsideMember]
    waves: list[set_aside.SetAsideWave]
    deletions: list[retraction.RefusedDeletion]

    def __bool__(self) -> bool:
        return bool(self.letters or self.invitations or self.members or self.waves or self.deletions)


def _ids(retry: list[str]) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for entry in retry:
        kind, _, number = entry.partition(":")
        if kind not in ids or not number.isdigit() or len(number) > 12:
            raise typer.BadParameter(
                f"{entry!r}: give the id shown by `db problems`, e.g. in:12", param_hint="--retry"
            )
        ids[kind].append(int(number))
    return ids


async def _look(ids: dict[str, list[int]], retrying: bool) -> tuple[Problems, dict[str, int]]:
    """What is set aside now, after putting back what `ids` names (when `retrying`); how many of each
    kind were put back."""
    from bot.engine import dead_letters, retraction
    from bot.outreach import set_aside
    from bot.storage import Store

    store = Store(get_settings().database_url)
    try:
        await store.upgrade()
        put_back = {"dead letter(s)": 0, "refused deletion(s)": 0, "invitation(s)": 0, "follow-up wave(s)": 0}
        if retrying:
            put_back["dead letter(s)"] = await dead_letters.retry(store, ids["in"], ids["out"])
            put_back["refused deletion(s)"] = await retraction.try_again(store, ids["out"])
            put_back["invitation(s)"] = await set_aside.put_back(store, ids["inv"])
            put_back["follow-up wave(s)"] = await set_aside.put_back_waves(store, ids["wave"])
        found = Problems(
            await dead_letters.dead_letters(store),
            await set_aside.set_aside(store),
            await set_aside.members_set_aside(store),
            await set_aside.waves_set_aside(store),
            await retraction.refused(store),
        )
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
) -> None:
    """List messages in and out that failed three times and were set aside, invitations and follow-up
    waves whose planning failed three times, follow-up wave invitations that could not be written, and
    deletions refused after a withdrawal; `--retry in:ID` (or out:ID, inv:ID, wave:ID) after a fix."""
    ids = _ids(retry)
    found, put_back = asyncio.run(_look(ids, bool(retry)))
    if retry and sum(put_back.values()) < sum(len(set(numbers)) for numbers in ids.values()):
        shown = ", ".join(f"{kind}:{n}" for kind, numbers in ids.items() for n in numbers)
        raise SystemExit(
            f"{sum(put_back.values())} put back: not every id given ({shown}) is set aside; "
            "run `interviewer db problems` to see their ids"
        )
    for what, count in put_back.items():
        if count:
            typer.echo(f"{count} {what} put back; a running bot tries them again within a tick")
    if not found:
        typer.echo(
            "no dead letters: every message in and out was processed, every invitation and follow-up "
            "wave planned, every deletion asked for by a withdrawal done or under way"
        )
        return
    _show(found, show_text)


def _show(found: Problems, show_text: bool) -> None:
    from bot.engine.missing_permissions import named, waiting_for
    from bot.outreach.set_aside import MAX_PLAN_FAILURES

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


def _section(lines: list[str], summary: str) -> None:
    """One kind of problem: a line per item, then what they are and what to do (nothing when none)."""
    for line in lines:
        typer.echo(line)
    if lines:
        typer.echo(summary)


def register(db_app: typer.Typer) -> None:
    db_app.command("problems")(problems_cmd)
