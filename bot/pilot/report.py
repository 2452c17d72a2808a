"""The pilot report: a terminal table (rich) and a markdown file with the same findings."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bot.pilot.run import PilotReport


def _cell(items: list[str]) -> str:
    return ", ".join(items) or "-"


def print_report(report: PilotReport, console: Console) -> None:
    n = len(report.interviews)
    table = Table(title=f"Pilot of {report.study.id}: {n} simulated interview(s)")
    for column in (
        "#",
        "answers from",
        "state",
        "questions",
        "follow-ups",
        "covered",
        "est. min",
        "must missed",
        "flags",
    ):
        table.add_column(column)
    for r in report.interviews:
        table.add_row(
            str(r.number),
            r.source,
            r.state,
            str(r.questions),
            str(r.followups),
            _cell(r.covered),
            f"{r.minutes:.1f}",
            _cell(r.missed_must),
            str(len(r.flagged)),
        )
    console.print(table)
    topics = Table(title="Topic coverage")
    for column in ("topic", "priority", "covered", "substantive answers"):
        topics.add_column(column)
    for topic in report.study.plan.topics:
        covered, answered = report.topic_counts()[topic.id]
        topics.add_row(topic.id, topic.priority, f"{covered}/{n}", f"{answered}/{n}")
    console.print(topics)
    for r in report.interviews:
        for flags, text in r.flagged:
            console.print(f"[yellow]interview {r.number}: flagged {flags}[/yellow]: {text[:160]}")


def markdown(report: PilotReport) -> str:
    n = len(report.interviews)
    study = report.study
    lines = [
        f"# Pilot report: {study.title} (`{study.id}`)",
        "",
        f"{n} simulated interview(s); plan budget {study.plan.budget.minutes} min, "
        f"{study.plan.budget.max_questions} questions. Estimated minutes assume "
        "15 s to read each question and typing at 35 words a minute.",
        "",
        "## Topic coverage",
        "",
        "| topic | priority | covered | substantive answers |",
        "|---|---|---|---|",
    ]
    counts = report.topic_counts()
    for topic in study.plan.topics:
        covered, answered = counts[topic.id]
        lines.append(f"| {topic.id} | {topic.priority} | {covered}/{n} | {answered}/{n} |")
    lines += [
        "",
        "## Interviews",
        "",
        "| # | answers from | state | questions | follow-ups | covered | est. min | must topics missed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report.interviews:
        lines.append(
            f"| {r.number} | {r.source} | {r.state} | {r.questions} | {r.followups} | {_cell(r.covered)} "
            f"| {r.minutes:.1f} | {_cell(r.missed_must)} |"
        )
    short = [r for r in report.interviews if r.missed_must]
    lines += ["", "## Budget ran out before the must topics", ""]
    lines += [f"- interview {r.number}: {_cell(r.missed_must)} not covered" for r in short] or ["None."]
    lines += ["", "## Flagged turns", ""]
    flagged = [(r.number, f, t) for r in report.interviews for f, t in r.flagged]
    lines += [f"- interview {num}, {flags}: {text!r}" for num, flags, text in flagged] or ["None."]
    return "\n".join(lines) + "\n"
