"""`interviewer validate`: agreement of coded labels with a hand-coded gold subset, per code."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

from bot.analysis.model import Agreement


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def agreement_table(rows: list[Agreement]) -> Table:
    """The per-code table, shared with the report's console summary."""
    from bot.analysis.display import number, percent, points

    table = Table(title="Agreement with the gold labels")
    columns: list[tuple[str, JustifyMethod]] = [
        ("code", "left"),
        ("n", "right"),
        ("kappa", "right"),
        ("AC1", "right"),
        ("F1", "right"),
        ("coded", "right"),
        ("gold", "right"),
        ("error (coded - gold)", "right"),
    ]
    for name, justify in columns:
        table.add_column(name, justify=justify)
    for a in rows:
        table.add_row(
            a.code,
            str(a.n),
            number(a.kappa),
            number(a.ac1),
            number(a.f1),
            percent(a.prevalence_coded),
            percent(a.prevalence_gold),
            points(a.prevalence_error),
        )
    return table


def validate_cmd(
    codes: Path = typer.Option(
        ..., "--codes", help="Coded labels: a wide 0/1 CSV or the codes.csv that `analyze` writes."
    ),
    gold: Path = typer.Option(
        ..., "--gold", help="Hand-coded labels: transcript_id plus one 0/1 column per code."
    ),
) -> None:
    """Compare coded labels with a hand-coded gold subset: kappa, AC1, F1 and prevalence error per code."""
    from bot.analysis.agreement import agreement, summary
    from bot.analysis.labels import read_any
    from bot.errors import LabelFileError

    try:
        coded_labels, gold_labels = read_any(codes), read_any(gold)
        rows = agreement(coded_labels, gold_labels)
    except ValueError as exc:  # no overlap
        raise _fail(_gold_copies(codes, gold) or str(exc)) from None
    except LabelFileError as exc:
        raise _fail(str(exc)) from None
    console = Console(width=max(100, Console().width))
    console.print(agreement_table(rows))
    typer.echo(summary(rows))


def _gold_copies(codes: Path, gold: Path) -> str | None:
    """Why nothing overlaps when the only shared interviews are the gold labels copied into codes.csv."""
    from bot.analysis.agreement import shared_codes
    from bot.analysis.labels import is_coded_table, read_any, read_coded

    if not is_coded_table(codes) or not shared_codes(read_coded(codes, gold_rows=True), read_any(gold)):
        return None
    return (
        f"{codes} holds the hand-coded labels themselves (source gold) for the interviews in {gold}, so "
        "comparing them says nothing. `interviewer analyze --gold` measures the model on those interviews "
        "in held-out folds: see agreement.csv next to codes.csv, or validate a codes.csv from a run without --gold"
    )


def register(app: typer.Typer) -> None:
    """Add `validate` to the main `interviewer` app."""
    app.command("validate")(validate_cmd)
