"""`interviewer codebook draft|label|agree`: write a codebook from the themes, hand-code a gold sample,
compare two coders."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from bot.cli.analysis import (
    MODES,
    RichProgress,
    cache_folder,
    embedder_for,
    err,
    exit_for,
    fail,
    read_corpus,
    toolkit_for,
    warn_skipped,
)
from bot.cli.errors import clipped
from bot.cli.outputs import file_problem
from bot.errors import InterviewerError, LabelFileError
from bot.settings import get_settings
from bot.text_files import printable, write_text_atomic

if TYPE_CHECKING:
    from bot.analysis.labelling import Session
    from bot.analysis.model import Theme

codebook_app = typer.Typer(help="Codebooks for the analysis.", no_args_is_help=True)


@codebook_app.command("draft")
def codebook_draft(
    source: str = typer.Argument(..., help="A study id, or a CSV file (transcript_id,text) ending in .csv."),
    out: Path = typer.Option(..., "--out", "-o", help="The codebook YAML to write (edit it afterwards)."),
    mode: str = typer.Option("offline", "--mode", help="offline or claude (Claude names the themes)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Where stage results and vectors are kept."
    ),
) -> None:
    """Draft a codebook from the emergent themes: one code per theme, to edit before coding with it."""
    from bot.analysis.codebook import draft_from_themes
    from bot.analysis.pipeline import discover_themes

    if mode not in MODES:
        raise fail(f"--mode {mode!r} is not one of: {', '.join(MODES)}")
    problem = file_problem(out, "--out")  # a folder first: --force would not make it a file
    if problem:
        raise fail(problem)
    if out.exists() and not force:
        raise fail(f"{printable(out)} exists; choose another --out or add --force to overwrite it")
    settings = get_settings()
    try:
        corpus = read_corpus(settings, source)
    except InterviewerError as exc:
        raise exit_for(exc) from None
    warn_skipped(corpus)
    cache = cache_folder(cache_dir, settings, corpus.name)

    async def main() -> list[Theme]:
        embedder, _ = embedder_for(corpus.docs, cache)
        with RichProgress(err) as progress:
            return await discover_themes(
                corpus.docs,
                toolkit=toolkit_for(mode, settings, embedder),
                embedder=embedder,
                cache_dir=cache,
                progress=progress,
                mode=mode,
            )

    try:
        found = asyncio.run(main())
    except InterviewerError as exc:
        raise exit_for(exc) from None
    if not found:
        raise fail("no themes were found (too few substantive answers); write the codebook by hand")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, draft_from_themes(found))
    top = sum(1 for t in found if t.parent is None)
    typer.echo(
        f"{top} code(s) drafted from the themes into {printable(out)}; edit the definitions before using it"
    )


@codebook_app.command("label")
def codebook_label(
    source: str = typer.Argument(..., help="A study id, or a CSV file (transcript_id,text) ending in .csv."),
    codebook: Path = typer.Option(..., "--codebook", help="The codebook YAML whose codes you hand-code."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="The gold CSV to write; run again with the same --out to resume."
    ),
    n: int = typer.Option(40, "--n", min=1, help="Interviews in the random sample (all parts together)."),
    seed: int = typer.Option(
        1, "--seed", help="Seed of the random draw; coders sharing a sample use the same."
    ),
    coder: str | None = typer.Option(None, "--coder", help="Your name or initials, kept with your progress."),
    part: str | None = typer.Option(
        None,
        "--part",
        help="i/k: code part i of k of the sample (e.g. 1/2); parts share --overlap interviews.",
    ),
    overlap: int | None = typer.Option(
        None, "--overlap", min=0, help="With --part: interviews every part codes, for agreement (default 10)."
    ),
) -> None:
    """Hand-code a random sample of interviews, yes/no/skip per code, for `analyze --gold`.

    The sample is drawn at random (seeded) because the corrected shares are unbiased only for a random
    sample: do not swap interviews in or out. Each answer is saved at once; q quits, b goes back one,
    and the same command resumes where you stopped.
    """
    from bot.analysis.codebook import load_codebook
    from bot.analysis.labelling import Part, Session, open_gold, plan

    _check_coder(coder)
    settings = get_settings()
    try:
        codes = load_codebook(codebook)
        corpus = read_corpus(settings, source)
        warn_skipped(corpus)
        which = Part.parse(part) if part else None
        if overlap is not None and which is None:
            raise fail("--overlap only applies with --part i/k")
        fresh = plan(
            [d.code for d in corpus.docs], codes, n=n, seed=seed, part=which, overlap=overlap, coder=coder
        )
        gold = open_gold(out, fresh)
    except (InterviewerError, LabelFileError) as exc:
        raise exit_for(exc) from None
    screen = Console(highlight=False)
    before = f", {gold.answered} of {gold.total} answered before" if gold.answered else ""
    who = f" by {gold.plan.coder}" if gold.plan.coder else ""
    screen.print(
        f"{len(gold.plan.interviews)} interview(s) x {len(codes)} code(s){who} into {printable(out)}{before}",
        markup=False,
    )
    session = Session(gold, {d.code: d for d in corpus.docs}, codes, screen, sys.stdin.readline)
    _summarise(
        screen,
        session,
        f"interviewer analyze {printable(source)} --codebook {printable(codebook)} --gold {printable(out)} --out report/",
    )


def _check_coder(coder: str | None) -> None:
    """Stop on a `--coder` that would be kept with the progress and shown at every resume garbled."""
    if coder is not None and (not coder.strip() or len(coder) > 80 or not coder.isprintable()):
        raise fail(
            f"--coder {clipped(printable(coder), 40)}: write your name or initials, at most 80 characters "
            "and no control characters"
        )


def _summarise(screen: Console, session: Session, after: str) -> None:
    """What a sitting saved and what comes next; exit 1 when the input ended before every answer."""
    gold, out = session.gold, session.gold.path
    if session.run():
        screen.print(f"All {gold.total} answers saved in {printable(out)}. Next: {after}", markup=False)
        return
    screen.print(
        f"{gold.answered} of {gold.total} answers saved in {printable(out)}; run the same command to go on.",
        markup=False,
    )
    if session.input_ended:  # a script's answers ran out: not the same as a coder typing q
        screen.print("The input ended before every answer was given (exit status 1).", markup=False)
        raise typer.Exit(1)


@codebook_app.command("agree")
def codebook_agree(
    first: Path = typer.Argument(..., help="One coder's gold CSV."),
    second: Path = typer.Argument(..., help="The other coder's gold CSV."),
    merge_to: Path | None = typer.Option(
        None, "--merged", help="Also write both files as one gold CSV for --gold (once no answer differs)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --merged file."),
) -> None:
    """Agreement between two coders per code (kappa, AC1, % agreement, n) and where they disagree."""
    from rich.table import Table

    from bot.analysis.display import number
    from bot.analysis.labelling import coder_agreement, merged
    from bot.analysis.labels import read_labels, write_labels

    if merge_to is not None and merge_to.resolve() in (first.resolve(), second.resolve()):
        raise fail(f"--merged {printable(merge_to)} is one of the coders' files; give a new file name")
    if merge_to is not None and merge_to.exists() and not force:
        raise fail(
            f"--merged {printable(merge_to)} exists; choose another file name or add --force to overwrite it"
        )
    try:
        a, b = read_labels(first), read_labels(second)
        rows = coder_agreement(a, b)
    except (InterviewerError, LabelFileError) as exc:
        raise exit_for(exc) from None
    screen = Console(highlight=False)
    table = Table(
        "code", "n", "kappa", "AC1", "agreement", title=f"{printable(first.name)} vs {printable(second.name)}"
    )
    for r in rows:
        share = "n/a" if r.agreement is None else f"{r.agreement * 100:.0f}%"
        table.add_row(r.code, str(r.n), number(r.kappa), number(r.ac1), share)
    screen.print(table)
    for r in (r for r in rows if r.disagreements):
        screen.print(
            f"{printable(r.code)}: disagree on {', '.join(map(printable, r.disagreements))}", markup=False
        )
    if not any(r.disagreements for r in rows):
        screen.print("No disagreements.")
    if merge_to is not None:
        try:
            labels, codes = merged(a, b)
        except InterviewerError as exc:
            raise exit_for(exc) from None
        write_labels(merge_to, labels, codes)
        screen.print(
            f"{len(labels)} interview(s) written to {printable(merge_to)}; pass it with --gold.", markup=False
        )


def register(app: typer.Typer) -> None:
    """Add `codebook draft`, `label` and `agree` to the main `interviewer` app."""
    app.add_typer(codebook_app, name="codebook")
