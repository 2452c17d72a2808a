"""`interviewer analyze` and `interviewer codebook draft|label|agree`: the researcher's analysis commands."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.errors import InterviewerError, LabelFileError, StudyError
from bot.settings import Settings, get_settings

if TYPE_CHECKING:  # the analysis loads numpy and friends: imported inside the commands, for a fast --help
    from collections.abc import Callable

    from bot.analysis.corpus import Corpus
    from bot.analysis.embed import CachedEmbedder
    from bot.analysis.model import Analysis, Doc, Theme
    from bot.analysis.stages import Estimate, Toolkit

err = Console(stderr=True)
codebook_app = typer.Typer(help="Codebooks for the analysis.", no_args_is_help=True)
MODES = ("offline", "claude")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


class RichProgress:
    """One bar per stage on stderr; a finished stage stays visible with its time."""

    def __init__(self, console: Console) -> None:
        self._bars = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: Any = None

    def __enter__(self) -> RichProgress:
        self._bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()
        self._bars.stop()

    def _finish(self) -> None:
        if self._task is not None:
            total = self._bars.tasks[-1].total or 1
            self._bars.update(self._task, completed=total)

    def start(self, stage: str, total: int) -> None:
        self._finish()
        self._task = self._bars.add_task(stage, total=max(total, 1))

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._bars.advance(self._task, n)


def _corpus(settings: Settings, source: str) -> Corpus:
    from bot.analysis.corpus import is_csv_source, read_csv, read_study

    if is_csv_source(source):
        return read_csv(Path(source))
    if Path(source).exists() and Path(source).is_file():
        raise _fail(f"{source}: give a CSV file ending in .csv (transcript_id,text) or a study id")
    return asyncio.run(read_study(settings, source))


def _embedder(docs: list[Doc], cache_dir: Path) -> tuple[CachedEmbedder, str | None]:
    from bot.analysis.embed import CachedEmbedder, default_embedder

    inner, note = default_embedder([s.answer for d in docs for s in d.segments])
    return CachedEmbedder(inner, cache_dir), note


def _toolkit(mode: str, settings: Settings, embedder: CachedEmbedder) -> Toolkit:
    from bot.analysis.pipeline import offline_toolkit

    if mode == "offline":
        return offline_toolkit(embedder)
    from bot.analysis.claude.toolkit import toolkit

    return toolkit(settings)


def _cache_dir(option: Path | None, settings: Settings, name: str) -> Path:
    import re

    return option or settings.analysis_cache_dir / re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _confirm(yes: bool) -> Callable[[Estimate], bool]:
    def ask(estimate: Estimate) -> bool:
        err.print(f"Claude analysis: {estimate.text()}.")
        if yes:
            return True
        if not sys.stdin.isatty():
            raise _fail("this would send requests to Claude; confirm with --yes (no terminal to ask on)")
        return typer.confirm("Go ahead?", default=False, err=True)

    return ask


def _report(analysis: Analysis, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    try:
        from bot.analysis.report import write_report
    except ImportError:
        path = out / "analysis.json"
        path.write_text(json.dumps(asdict(analysis), indent=1, ensure_ascii=False), encoding="utf-8")
        return [path]
    return list(write_report(analysis, out) or [])


def analyze_cmd(
    source: str = typer.Argument(..., help="A study id, or a CSV file (transcript_id,text) ending in .csv."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for report.html, report.md and the tables."),
    by: str | None = typer.Option(
        None, "--by", help="Group field to compare (screening question or CSV column)."
    ),
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML (see `codebook draft`)."),
    gold: Path | None = typer.Option(
        None, "--gold", help="Hand-coded labels: transcript_id + 0/1 code columns."
    ),
    mode: str = typer.Option("offline", "--mode", help="offline (local, free) or claude (needs a key)."),
    min_cell: int | None = typer.Option(
        None, "--min-cell", min=1, help="Hide groups with fewer participants (default ANALYSIS_MIN_CELL, 10)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before paid Claude requests."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Where stage results and vectors are kept."
    ),
) -> None:
    """Themes, coded prevalence with intervals, quotes, emotions and survey statistics, as a report."""
    from bot.analysis.codebook import load_codebook
    from bot.analysis.corpus import group_fields
    from bot.analysis.pipeline import AnalysisCancelled, analyze

    if mode not in MODES:
        raise _fail(f"--mode {mode!r} is not one of: {', '.join(MODES)}")
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out} is a file; give a folder for the report")
    settings = get_settings()
    try:
        codes = load_codebook(codebook) if codebook else []
        labels = _gold(gold) if gold else None
        corpus = _corpus(settings, source)
    except (InterviewerError, LabelFileError) as exc:
        raise _problem(exc) from None
    for problem in corpus.problems:
        typer.echo(f"warning: {problem}", err=True)
    group = by or _default_group(corpus)
    if by and not any(by in d.group for d in corpus.docs):
        fields = ", ".join(group_fields(corpus.docs)) or "none"
        raise _fail(f"--by {by!r}: no interview has that field; available: {fields}")
    cells = min_cell or settings.analysis_min_cell
    cache = _cache_dir(cache_dir, settings, corpus.name)
    err.print(f"Analysing {len(corpus.docs)} interview(s) from {source} ({mode}); cache: {cache}")

    async def main() -> Analysis:
        embedder, note = _embedder(corpus.docs, cache)
        toolkit = _toolkit(mode, settings, embedder)
        with RichProgress(err) as progress:
            return await analyze(
                corpus.docs,
                toolkit=toolkit,
                embedder=embedder,
                codebook=codes,
                gold=labels,
                group_field=group,
                min_cell=cells,
                cache_dir=cache,
                progress=progress,
                mode=mode,
                study=corpus.study,
                name=corpus.name,
                confirm=_confirm(yes),
                notes=([note] if note else []) + _skipped(corpus.problems),
            )

    try:
        analysis = asyncio.run(main())
    except AnalysisCancelled as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except (InterviewerError, StudyError) as exc:
        raise _problem(exc) from None
    except KeyboardInterrupt:
        typer.echo(f"interrupted; run the same command again to resume from {cache}", err=True)
        raise typer.Exit(130) from None
    written = _report(analysis, out)
    typer.echo(
        f"{analysis.interviews} interview(s), {len(analysis.themes)} theme(s), {len(analysis.codebook)} code(s); "
        f"report in {out}: {', '.join(p.name for p in written)}"
    )


def _skipped(problems: list[str]) -> list[str]:
    """A report note for rows that could not be read (the lines themselves went to stderr)."""
    if not problems:
        return []
    return [f"{len(problems)} problem(s) reading the input; the rows concerned were left out: {problems[0]}"]


def _gold(path: Path) -> dict[str, dict[str, bool]]:
    from bot.analysis.labels import read_labels

    return read_labels(path)


def _default_group(corpus: Corpus) -> str | None:
    study = corpus.study
    if study is None:
        return None
    return next((q.id for q in study.screening if q.group), None)


def _problem(exc: Exception) -> typer.Exit:
    lines = getattr(exc, "problems", None) or str(exc).splitlines() or [type(exc).__name__]
    for line in lines[:-1]:
        typer.echo(f"error: {line}", err=True)
    return _fail(lines[-1])


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
        raise _fail(f"--mode {mode!r} is not one of: {', '.join(MODES)}")
    if out.exists() and not force:
        raise _fail(f"{out} exists; choose another --out or add --force to overwrite it")
    settings = get_settings()
    try:
        corpus = _corpus(settings, source)
    except InterviewerError as exc:
        raise _problem(exc) from None
    cache = _cache_dir(cache_dir, settings, corpus.name)

    async def main() -> list[Theme]:
        embedder, _ = _embedder(corpus.docs, cache)
        with RichProgress(err) as progress:
            return await discover_themes(
                corpus.docs,
                toolkit=_toolkit(mode, settings, embedder),
                embedder=embedder,
                cache_dir=cache,
                progress=progress,
                mode=mode,
            )

    try:
        found = asyncio.run(main())
    except InterviewerError as exc:
        raise _problem(exc) from None
    if not found:
        raise _fail("no themes were found (too few substantive answers); write the codebook by hand")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draft_from_themes(found), encoding="utf-8")
    top = sum(1 for t in found if t.parent is None)
    typer.echo(f"{top} code(s) drafted from the themes into {out}; edit the definitions before using it")


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

    settings = get_settings()
    try:
        codes = load_codebook(codebook)
        corpus = _corpus(settings, source)
        which = Part.parse(part) if part else None
        if overlap is not None and which is None:
            raise _fail("--overlap only applies with --part i/k")
        fresh = plan(
            [d.code for d in corpus.docs], codes, n=n, seed=seed, part=which, overlap=overlap, coder=coder
        )
        gold = open_gold(out, fresh)
    except (InterviewerError, LabelFileError) as exc:
        raise _problem(exc) from None
    screen = Console(highlight=False)
    before = f", {gold.answered} of {gold.total} answered before" if gold.answered else ""
    who = f" by {gold.plan.coder}" if gold.plan.coder else ""
    screen.print(
        f"{len(gold.plan.interviews)} interview(s) x {len(codes)} code(s){who} into {out}{before}",
        markup=False,
    )
    finished = Session(gold, {d.code: d for d in corpus.docs}, codes, screen, sys.stdin.readline).run()
    if finished:
        after = f"Next: interviewer analyze {source} --codebook {codebook} --gold {out} --out report/"
        screen.print(f"All {gold.total} answers saved in {out}. {after}", markup=False)
    else:
        screen.print(
            f"{gold.answered} of {gold.total} answers saved in {out}; run the same command to go on.",
            markup=False,
        )


@codebook_app.command("agree")
def codebook_agree(
    first: Path = typer.Argument(..., help="One coder's gold CSV."),
    second: Path = typer.Argument(..., help="The other coder's gold CSV."),
    merge_to: Path | None = typer.Option(
        None, "--merged", help="Also write both files as one gold CSV for --gold (once no answer differs)."
    ),
) -> None:
    """Agreement between two coders per code (kappa, AC1, % agreement, n) and where they disagree."""
    from rich.table import Table

    from bot.analysis.display import number
    from bot.analysis.labelling import coder_agreement, merged
    from bot.analysis.labels import read_labels, write_labels

    if merge_to is not None and merge_to.resolve() in (first.resolve(), second.resolve()):
        raise _fail(f"--merged {merge_to} is one of the coders' files; give a new file name")
    try:
        a, b = read_labels(first), read_labels(second)
        rows = coder_agreement(a, b)
    except (InterviewerError, LabelFileError) as exc:
        raise _problem(exc) from None
    screen = Console(highlight=False)
    table = Table("code", "n", "kappa", "AC1", "agreement", title=f"{first.name} vs {second.name}")
    for r in rows:
        share = "n/a" if r.agreement is None else f"{r.agreement * 100:.0f}%"
        table.add_row(r.code, str(r.n), number(r.kappa), number(r.ac1), share)
    screen.print(table)
    for r in (r for r in rows if r.disagreements):
        screen.print(f"{r.code}: disagree on {', '.join(r.disagreements)}", markup=False)
    if not any(r.disagreements for r in rows):
        screen.print("No disagreements.")
    if merge_to is not None:
        try:
            labels, codes = merged(a, b)
        except InterviewerError as exc:
            raise _problem(exc) from None
        write_labels(merge_to, labels, codes)
        screen.print(f"{len(labels)} interview(s) written to {merge_to}; pass it with --gold.", markup=False)


def register(app: typer.Typer) -> None:
    """Add `analyze` and `codebook draft`, `label` and `agree` to the main `interviewer` app."""
    app.command("analyze")(analyze_cmd)
    app.add_typer(codebook_app, name="codebook")
