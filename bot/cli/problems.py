"""`interviewer db problems`: messages set aside after repeated failures (dead letters), and retrying them."""

from __future__ import annotations

import asyncio

import typer

from bot.settings import get_settings


def problems_cmd(
    show_text: bool = typer.Option(
        False, "--show-text", help="Also print the messages' text (participants' words: handle with care)."
    ),
    retry: list[str] = typer.Option(
        [], "--retry", help="Put this dead letter back to be tried again: its id, e.g. in:12 (repeatable)."
    ),
) -> None:
    """List messages in and out that failed three times and were set aside; `--retry in:ID` (or out:ID) after a fix."""
    from bot.engine import dead_letters
    from bot.storage import Store

    ids = {"in": [], "out": []}  # type: dict[str, list[int]]
    for entry in retry:
        kind, _, number = entry.partition(":")
        if kind not in ids or not number.isdigit() or len(number) > 12:
            raise typer.BadParameter(
                f"{entry!r}: give the id shown by `db problems`, e.g. in:12", param_hint="--retry"
            )
        ids[kind].append(int(number))

    async def main() -> tuple[list[dead_letters.DeadLetter], int]:
        store = Store(get_settings().database_url)
        try:
            await store.upgrade()
            put_back = await dead_letters.retry(store, ids["in"], ids["out"]) if retry else 0
            return await dead_letters.dead_letters(store), put_back
        finally:
            await store.close()

    found, put_back = asyncio.run(main())
    if retry and put_back < len(set(ids["in"])) + len(set(ids["out"])):
        shown = ", ".join(f"{kind}:{n}" for kind, numbers in ids.items() for n in numbers)
        raise SystemExit(
            f"{put_back} put back: not every id given ({shown}) is a set-aside message; "
            "run `interviewer db problems` to see their ids"
        )
    if retry:
        typer.echo(f"{put_back} dead letter(s) put back; a running bot tries them within a tick")
    if not found:
        typer.echo("no dead letters: every message in and out was processed")
        return
    for letter in found:
        typer.echo(letter.line(show_text))
    typer.echo(
        f"{len(found)} dead letter(s). Each participant was told their message could not be processed; "
        "after fixing the cause, `interviewer db problems --retry in:ID` tries one again."
    )


def register(db_app: typer.Typer) -> None:
    db_app.command("problems")(problems_cmd)
