"""`interviewer analyze`, and what the analysis commands share (`interviewer codebook` is in codebook.py)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.outputs import folder_problem
from bot.errors import InterviewerError, LabelFileError, StudyError
from bot.settings import Settings, get_settings
from bot.text_files import printable

if TYPE_CHECKING:  # the analysis loads numpy and friends: imported inside the commands, for a fast --help
    from collections.abc import Callable

    from bot.analysis.corpus import Corpus
    from bot.analysis.embed import CachedEmbedder
    from bot.analysis.labels import Labels
    from bot.analysis.model import Analysis, Code, Doc
    from bot.analysis.stages import Estimate, Toolkit

err = Console(stderr=True)
MODES = ("offline", "claude")
MAX_PROBLEMS_SHOWN = 20  # input problems listed in the report's note; the rest are counted


def fail(message: str) -> typer.Exit:
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
        self._console = console

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
        if not self._console.is_terminal:  # no live bars in a log file: say where the run is
            self._console.print(f"{stage}: started", highlight=False)
        self._task = self._bars.add_task(stage, total=max(total, 1))

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._bars.advance(self._task, n)


def read_corpus(settings: Settings, source: str) -> Corpus:
    from bot.analysis.corpus import is_csv_source, read_csv, read_study
    from bot.cli.study_files import readable_study_paths

    if is_csv_source(source):
        return read_csv(Path(source))
    if Path(source).exists() and Path(source).is_file():
        raise fail(f"{printable(source)}: give a CSV file ending in .csv (transcript_id,text) or a study id")
    if "/" in source or "." in source:  # a path, not a study id (ids are letters, digits and dashes)
        raise fail(
            f"{printable(source)}: no such file; give a CSV file ending in .csv (transcript_id,text) or a study id"
        )
    return asyncio.run(read_study(settings, source, study_paths=readable_study_paths(settings)))


def warn_skipped(corpus: Corpus) -> None:
    """A warning on standard error for each row of the input left out (the first `MAX_PROBLEMS_SHOWN`,
    then how many more), so that a sample or a report over fewer interviews than the file holds says so."""
    for problem in corpus.problems[:MAX_PROBLEMS_SHOWN]:
        typer.echo(f"warning: {problem}", err=True)
    if len(corpus.problems) > MAX_PROBLEMS_SHOWN:
        more = len(corpus.problems) - MAX_PROBLEMS_SHOWN
        typer.echo(
            f"warning: ... and {more:,} more row(s) left out like these; fix the ones above first", err=True
        )


def embedder_for(docs: list[Doc], cache_dir: Path) -> tuple[CachedEmbedder, str | None]:
    from bot.analysis.embed import CachedEmbedder, default_embedder

    inner, note = default_embedder([s.answer for d in docs for s in d.segments])
    return CachedEmbedder(inner, cache_dir), note


def toolkit_for(mode: str, settings: Settings, embedder: CachedEmbedder) -> Toolkit:
    from bot.analysis.pipeline import offline_toolkit

    if mode == "offline":
        return offline_toolkit(embedder)
    from bot.analysis.claude.toolkit import toolkit

    return toolkit(settings)


def cache_folder(option: Path | None, settings: Settings, name: str) -> Path:
    import re

    return option or settings.analysis_cache_dir / re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _confirm(yes: bool) -> Callable[[Estimate], bool]:
    def ask(estimate: Estimate) -> bool:
        err.print(f"Claude analysis: {estimate.text()}.")
        if yes:
            return True
        if not sys.stdin.isatty():
            raise fail("this would send requests to Claude; confirm with --yes (no terminal to ask on)")
        return typer.confirm("Go ahead?", default=False, err=True)

    return ask


def _report(analysis: Analysis, out: Path) -> list[Path]:
    """The report's files, written first into a folder beside `out` and then moved in one by one: a full
    disk or an interruption while writing leaves an earlier report in `out` whole, not half replaced."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial"))
    try:
        try:
            from bot.analysis.report import write_report
        except ImportError:
            path = staging / "analysis.json"
            path.write_text(json.dumps(asdict(analysis), indent=1, ensure_ascii=False), encoding="utf-8")
            written = [path]
        else:
            written = list(write_report(analysis, staging) or [])
        moved = []
        for path in written:
            target = out / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved.append(target)
        return moved
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
    if mode not in MODES:
        raise fail(f"--mode {mode!r} is not one of: {', '.join(MODES)}")
    problem = folder_problem(out, "--out") or (cache_dir and folder_problem(cache_dir, "--cache-dir"))
    if problem:  # before the work, not after it
        raise fail(problem)
    settings = get_settings()
    job = _job(settings, source, by, codebook, gold)
    job.min_cell = min_cell or settings.analysis_min_cell
    job.cache = cache_folder(cache_dir, settings, job.corpus.name)
    err.print(
        f"Analysing {len(job.corpus.docs)} interview(s) from {printable(source)} ({mode}); cache: {printable(job.cache)}"
    )
    analysis = _run(job, settings, mode, yes)
    written = _report(analysis, out)
    from bot.analysis.labels import GOLD_NOTE_START

    top = sum(1 for t in analysis.themes if t.parent is None)
    for note in analysis.notes:
        if note.startswith(GOLD_NOTE_START):
            err.print(f"note: {note}", highlight=False, markup=False)
    typer.echo(
        f"{analysis.interviews} interview(s), {top} theme(s) with {len(analysis.themes) - top} sub-theme(s), "
        f"{len(analysis.codebook)} code(s); report in {printable(out)}: {', '.join(p.name for p in written)}"
    )


@dataclass
class _Job:
    """What `analyze` was asked to analyse, read and checked before anything is computed."""

    corpus: Corpus
    codes: list[Code]
    labels: Labels | None
    group: str | None
    min_cell: int = 10
    cache: Path = Path()
    procedural: list[str] = field(default_factory=list)  # the codebook's questions themes leave out


def _job(settings: Settings, source: str, by: str | None, codebook: Path | None, gold: Path | None) -> _Job:
    from bot.analysis.codebook import Codebook, read_codebook
    from bot.analysis.corpus import group_fields

    try:
        book = read_codebook(codebook) if codebook else Codebook([], [])
        labels = _gold(gold) if gold else None
        corpus = read_corpus(settings, source)
    except (InterviewerError, LabelFileError) as exc:
        raise exit_for(exc) from None
    if labels is not None and codebook is None:  # the gold columns name codes; without them, nothing to do
        raise fail(f"--gold {printable(gold)} needs --codebook: its columns are the codebook's code ids")
    warn_skipped(corpus)
    if labels is not None:  # checked before the sentence model loads, and named
        from bot.analysis.prevalence import check_gold

        try:
            check_gold(corpus.docs, book.codes, {k: v for k, v in labels.items() if v})
        except InterviewerError as exc:
            raise fail(f"{printable(gold)}: {exc}") from None
    if by and not any(by in d.group for d in corpus.docs):
        fields = ", ".join(group_fields(corpus.docs))
        if fields:
            hint = f"available: {fields}"
        elif str(source).lower().endswith(".csv"):
            hint = (
                "the file has no column besides transcript_id and text; add one (e.g. occupation) to group by"
            )
        else:  # a study: screening answers are its only group fields
            hint = (
                "its interviews have no screening answers to group by (`interviewer import` keeps only "
                "transcript_id and text); analyze the CSV file itself to group by its further columns"
            )
        raise fail(f"--by {printable(by)!r}: no interview has that field; {hint}")
    return _Job(corpus, book.codes, labels, by or _default_group(corpus), procedural=book.procedural)


def _run(job: _Job, settings: Settings, mode: str, yes: bool) -> Analysis:
    """Run the pipeline with a progress bar; a declined estimate exits 1, an interruption 130."""
    try:
        from bot.analysis.pipeline import AnalysisCancelled, analyze
    except KeyboardInterrupt:  # while loading the analysis libraries, a second or two
        typer.echo("interrupted before the analysis started", err=True)
        raise typer.Exit(130) from None

    async def main() -> Analysis:
        # The offline stages compute without awaiting, so asyncio's own Ctrl-C handling (cancel the task
        # at its next await) would wait for the whole run and then throw it away: stop where it is.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        embedder, note = embedder_for(job.corpus.docs, job.cache)
        toolkit = toolkit_for(mode, settings, embedder)
        with RichProgress(err) as progress:
            return await analyze(
                job.corpus.docs,
                toolkit=toolkit,
                embedder=embedder,
                codebook=job.codes,
                procedural=job.procedural,
                gold=job.labels,
                group_field=job.group,
                min_cell=job.min_cell,
                cache_dir=job.cache,
                progress=progress,
                mode=mode,
                study=job.corpus.study,
                name=job.corpus.name,
                confirm=_confirm(yes),
                notes=([note] if note else []) + _skipped(job.corpus.problems),
            )

    try:
        return asyncio.run(main())
    except AnalysisCancelled as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except (InterviewerError, StudyError) as exc:
        raise exit_for(exc) from None
    except KeyboardInterrupt:
        typer.echo(f"interrupted; run the same command again to resume from {job.cache}", err=True)
        raise typer.Exit(130) from None


def _skipped(problems: list[str]) -> list[str]:
    """A report note for rows that could not be read (the lines themselves went to stderr)."""
    if not problems:
        return []
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = f"; and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    return [
        f"{len(problems)} problem(s) reading the input; the rows concerned were left out: "
        + "; ".join(shown)
        + more
    ]


def _gold(path: Path) -> dict[str, dict[str, bool]]:
    from bot.analysis.labels import read_labels

    return read_labels(path)


def _default_group(corpus: Corpus) -> str | None:
    study = corpus.study
    if study is None:
        return None
    return next((q.id for q in study.screening if q.group), None)


def exit_for(exc: Exception) -> typer.Exit:
    lines = getattr(exc, "problems", None) or str(exc).splitlines() or [type(exc).__name__]
    for line in lines[:-1]:
        typer.echo(f"error: {line}", err=True)
    return fail(lines[-1])


def register(app: typer.Typer) -> None:
    """Add `analyze` to the main `interviewer` app."""
    app.command("analyze")(analyze_cmd)
