"""`interviewer validate`: agreement of coded labels with a hand-coded gold subset, per code."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

from bot.analysis.model import Agreement
from bot.text_files import printable


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def agreement_table(rows: list[Agreement]) -> Table:
    """The per-code table: held-out figures with bootstrap 95% intervals and the gold counts behind them."""
    from bot.analysis.agreement import HEADER, table_rows

    table = Table(title="Agreement with the gold labels (bootstrap 95% intervals)")
    for n, name in enumerate(HEADER):
        justify: JustifyMethod = "left" if n == 0 else "right"
        table.add_column(name, justify=justify, no_wrap=True)
    for cells in table_rows(rows):
        table.add_row(*cells)
    return table


def validate_cmd(
    codes: Path = typer.Option(
        ..., "--codes", help="Coded labels: a wide 0/1 CSV or the codes.csv that `analyze` writes."
    ),
    gold: Path = typer.Option(
        ..., "--gold", help="Hand-coded labels: transcript_id plus one 0/1 column per code."
    ),
) -> None:
    """Compare coded labels with a hand-coded gold subset: kappa, AC1, F1 with intervals, per code.

    The figures say how well new interviews are coded only if the coded labels never saw these gold
    labels (a run without --gold, or Claude); gold rows copied into codes.csv are left out.
    """
    from bot.analysis.agreement import agreement, summary, warning_lines
    from bot.analysis.labels import read_any
    from bot.errors import LabelFileError

    try:
        coded_labels, gold_labels = read_any(codes), read_any(gold)
        rows = agreement(coded_labels, gold_labels)
    except ValueError as exc:  # no overlap
        raise _fail(_gold_copies(codes, gold) or str(exc)) from None
    except LabelFileError as exc:
        raise _fail(str(exc)) from None
    for note in _unused(coded_labels, gold_labels, codes, gold):
        typer.echo(f"note: {note}", err=True)
    console = Console(width=max(150, Console().width))
    console.print(agreement_table(rows))
    for line in warning_lines(rows):
        typer.echo(line)
    typer.echo(summary(rows))


def _unused(
    coded: dict[str, dict[str, bool]], gold: dict[str, dict[str, bool]], codes: Path, path: Path
) -> list[str]:
    """What the gold file has that the coded labels lack and the table therefore leaves out: a typo in an
    id or a column name would otherwise only show as a smaller n."""
    ids = sorted(i for i in gold if i not in coded)
    columns = sorted({c for row in gold.values() for c in row} - {c for row in coded.values() for c in row})
    notes = []
    if ids:
        shown = ", ".join(printable(i) for i in ids[:10]) + (" ..." if len(ids) > 10 else "")
        notes.append(
            f"{printable(path)}: {len(ids)} interview id(s) are not in {printable(codes)} and were left out: {shown}; check them for typos"
        )
    if columns:
        notes.append(
            f"{printable(path)}: column(s) {', '.join(map(printable, columns))} are not codes in {printable(codes)} and were left out; "
            "name the columns after the code ids"
        )
    return notes


def _gold_copies(codes: Path, gold: Path) -> str | None:
    """Why nothing overlaps when the only shared interviews are the gold labels copied into codes.csv."""
    from bot.analysis.agreement import shared_codes
    from bot.analysis.labels import is_coded_table, read_any, read_coded

    if not is_coded_table(codes) or not shared_codes(read_coded(codes, gold_rows=True), read_any(gold)):
        return None
    return (
        f"{printable(codes)} holds the hand-coded labels themselves (source gold) for the interviews in "
        f"{printable(gold)}, so "
        "comparing them says nothing. `interviewer analyze --gold` measures the model on those interviews "
        "in held-out folds: see agreement.csv next to codes.csv, or validate a codes.csv from a run without --gold"
    )


def register(app: typer.Typer) -> None:
    """Add `validate` to the main `interviewer` app."""
    app.command("validate")(validate_cmd)
