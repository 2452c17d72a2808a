"""When a scheduled message may go out: a study's send window, quiet hours and days, in a person's zone.

Pure functions. Times come in and go out as aware UTC datetimes; the local clock is only used to test
each candidate instant, so a daylight-saving change moves the UTC time, never the local one.

They live beside the study model so that loading a study refuses a schedule that never allows a send
(`check_schedule`) by the same rule outreach plans sends with; `bot/outreach/timing.py` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 9  # one full week plus the days a wrapped window or a DST change can spill into


class WindowNeverOpens(ValueError):
    """The schedule allows no instant at all (no days, or a window wholly inside the quiet hours).

    `field` names the schedule setting the message asks to change: `days` or `send_window`.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The participant's zone if it is a valid IANA name, else the fallback (the study's zone)."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def area_city(name: str) -> bool:
    """Whether `name` is an IANA Area/City zone a person may choose (Europe/Berlin, Asia/Kathmandu, or UTC):
    not `localtime` (the server's own zone), `Factory`, `posixrules`, or the `posix/` and `right/` copies."""
    if name == "UTC":
        return True
    if "/" not in name or name.startswith(("posix/", "right/")):
        return False
    return name in _zone_names()


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_range(text: str) -> tuple[time, time]:
    """'09:00-18:00' -> (09:00, 18:00). A range may wrap past midnight ('21:00-08:00')."""
    start, end = text.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def _inside(t: time, span: tuple[time, time], *, equal_means_all: bool) -> bool:
    start, end = span
    if start == end:
        return equal_means_all
    if start < end:
        return start <= t < end
    return t >= start or t < end


def allowed(instant: datetime, tz: ZoneInfo, send_window: str, quiet_hours: str, days: Sequence[str]) -> bool:
    """True if a message may be sent at `instant` (aware) to someone living in `tz`."""
    local = instant.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    return (
        DAY_NAMES[local.weekday()] in days
        and _inside(t, parse_range(send_window), equal_means_all=True)
        and not _inside(t, parse_range(quiet_hours), equal_means_all=False)
    )


def next_send_time(
    after: datetime,
    tz: ZoneInfo,
    send_window: str,
    quiet_hours: str,
    days: Sequence[str],
) -> datetime:
    """The first instant at or after `after` when a message may go out, in UTC.

    Raises WindowNeverOpens when the schedule allows no time in a whole week.
    """
    if after.tzinfo is None:
        raise ValueError("next_send_time needs an aware datetime")
    if allowed(after, tz, send_window, quiet_hours, days):
        return after.astimezone(UTC)
    # A window can only open at a send-window start or at the end of the quiet hours, so those local
    # clock times on each coming day are the only candidates worth testing.
    openings = {parse_range(send_window)[0], parse_range(quiet_hours)[1]}
    local_day = after.astimezone(tz).date()
    candidates = []
    for offset in range(_SEARCH_DAYS):
        day = local_day + timedelta(days=offset)
        for clock in openings:
            # An opening inside a spring-forward gap resolves to the first real instant after it.
            instant = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
            if instant > after:
                candidates.append(instant)
    for instant in sorted(candidates):
        if allowed(instant, tz, send_window, quiet_hours, days):
            return instant
    raise _never_opens(send_window, quiet_hours, days)


def _never_opens(send_window: str, quiet_hours: str, days: Sequence[str]) -> WindowNeverOpens:
    """Why a schedule that allows no instant of a week never sends, and what to change."""
    never = "the schedule never allows a send"
    if not days:
        fix = "list the days sends may go out, e.g. days: [mon, tue, wed, thu, fri]"
        return WindowNeverOpens("days", f"{never}: days is empty; {fix}")
    return WindowNeverOpens(
        "send_window",
        f"{never}: send_window {send_window} lies wholly inside quiet_hours {quiet_hours}; "
        "widen the send window or shorten the quiet hours so that part of the window lies outside them",
    )


def check_schedule(send_window: str, quiet_hours: str, days: Sequence[str]) -> None:
    """Raise WindowNeverOpens if no instant of a week is allowed (zone-independent)."""
    next_send_time(datetime(2026, 1, 5, tzinfo=UTC), ZoneInfo("UTC"), send_window, quiet_hours, days)
