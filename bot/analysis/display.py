"""How the analysis writes numbers for people: shares with intervals, agreement figures, suppressed cells."""

from __future__ import annotations

from bot.analysis.model import Interval


def percent(value: float) -> str:
    """A share as a whole percentage ("79%")."""
    return f"{value * 100:.0f}%"


def share(interval: Interval | None, min_cell: int = 10) -> str:
    """A share with its interval, "79% (95% CI 70-86%)"; a suppressed cell says so."""
    if interval is None:
        return suppressed(min_cell)
    return f"{percent(interval.estimate)} (95% CI {interval.low * 100:.0f}-{interval.high * 100:.0f}%)"


def points(interval: Interval) -> str:
    """A difference of shares in percentage points with its interval, "+4 pts (95% CI -2 to +10)"."""
    return (
        f"{interval.estimate * 100:+.0f} pts (95% CI {interval.low * 100:+.0f} to {interval.high * 100:+.0f})"
    )


def number(value: float | None, digits: int = 2) -> str:
    """A statistic such as kappa; "n/a" when it is undefined (for example a code nobody has)."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def suppressed(min_cell: int, n: int | None = None) -> str:
    """What a hidden cell shows: too small itself, or hidden so a smaller group's figure cannot be worked
    out from the total (bot.analysis.suppression)."""
    if n is not None and n >= min_cell:
        return "suppressed (protects a smaller group)"
    return f"suppressed (n < {min_cell})"
