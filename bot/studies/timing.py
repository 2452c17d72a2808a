"""When a scheduled message may go out: a study's send window, quiet hours and days, in a person's zone.

Pure functions. Times come in and go out as aware UTC datetimes; the local clock is only used to test
each candidate instant, so a daylight-saving change moves the UTC time, never the local one.

They live beside the study model so that loading a study refuses a schedule that never allows a send
(`check_schedule`) by the same rule outreach plans sends with; `bot/outreach/timing.py` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
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


def area_city_as_listed(name: str) -> str | None:
    """`name` as the zone list spells it when, whatever its case, it is a zone `area_city` accepts
    (`europe/berlin` is Europe/Berlin), else None."""
    if area_city(name):
        return name
    found = _zones_by_lower_case().get(name.lower())
    return found if found is not None and area_city(found) else None


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def _zones_by_lower_case() -> dict[str, str]:
    return {name.lower(): name for name in sorted(_zone_names() | {"UTC"})}


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
    # A window can only open at a send-window start, at the end of the quiet hours, at midnight (an
    # allowed day after an excluded one) or where the clock jumps (a daylight-saving change skips over
    # an opening), so those instants of each coming day are the only candidates worth testing.
    openings = {parse_range(send_window)[0], parse_range(quiet_hours)[1], time(0)}
    local_day = after.astimezone(tz).date()
    candidates = []
    for offset in range(_SEARCH_DAYS):
        day = local_day + timedelta(days=offset)
        # An opening inside a spring-forward gap maps to an instant past it; the jump itself is earlier.
        instants = [datetime.combine(day, clock, tzinfo=tz).astimezone(UTC) for clock in openings]
        candidates += [i for i in [*instants, *_clock_changes(day, tz)] if i > after]
    for instant in sorted(candidates):
        if allowed(instant, tz, send_window, quiet_hours, days):
            return instant
    raise _never_opens(send_window, quiet_hours, days)


def _clock_changes(day: date, tz: ZoneInfo) -> list[datetime]:
    """The instant (UTC, to the second) at which `tz`'s offset changes on local `day`, if it does."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)

    def offset(second: int) -> timedelta | None:
        return datetime.fromtimestamp(second, UTC).astimezone(tz).utcoffset()

    old, new = int(start.timestamp()), int(end.timestamp())  # offsets: the day's first, then its last
    if offset(old) == offset(new):
        return []
    first = offset(old)
    while new - old > 1:  # zones change offset on whole seconds
        middle = (old + new) // 2
        old, new = (middle, new) if offset(middle) == first else (old, middle)
    return [datetime.fromtimestamp(new, UTC)]


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
