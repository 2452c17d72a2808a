"""Send times in participants' zones: windows, quiet hours, days and daylight-saving changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.outreach.timing import DAY_NAMES as DAYS
from bot.outreach.timing import WindowNeverOpens, allowed, check_schedule, next_send_time, zone

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def test_inside_the_window_sends_now() -> None:
    now = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday, 10:00 in London
    assert next_send_time(now, zone("Europe/London"), "09:00-18:00", "21:00-08:00", WEEKDAYS) == now


def test_same_instant_lands_at_each_zones_local_morning() -> None:
    now = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # Wednesday 03:00 UTC
    berlin = next_send_time(now, zone("Europe/Berlin"), "09:00-18:00", "21:00-08:00", WEEKDAYS)
    tokyo = next_send_time(now, zone("Asia/Tokyo"), "09:00-18:00", "21:00-08:00", WEEKDAYS)
    new_york = next_send_time(now, zone("America/New_York"), "09:00-18:00", "21:00-08:00", WEEKDAYS)
    assert berlin == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert tokyo == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # already 12:00 in Tokyo
    assert new_york == datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # 09:00 EST


def test_weekend_waits_for_monday() -> None:
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    got = next_send_time(saturday, zone("UTC"), "09:00-18:00", "21:00-08:00", WEEKDAYS)
    assert got == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def test_quiet_hours_cut_into_the_window() -> None:
    now = datetime(2026, 3, 4, 6, 30, tzinfo=UTC)
    got = next_send_time(now, zone("UTC"), "06:00-18:00", "21:00-08:00", WEEKDAYS)
    assert got == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def test_dst_change_keeps_the_local_clock_time() -> None:
    """09:00 New York is 14:00 UTC before the March change and 13:00 UTC after it."""
    friday_evening = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)
    got = next_send_time(friday_evening, zone("America/New_York"), "09:00-18:00", "21:00-08:00", WEEKDAYS)
    assert got == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # Monday after the Sunday change: EDT
    before = next_send_time(
        datetime(2026, 3, 6, 1, 0, tzinfo=UTC),
        zone("America/New_York"),
        "09:00-18:00",
        "21:00-08:00",
        WEEKDAYS,
    )
    assert before == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)


def test_window_starting_inside_the_spring_forward_gap() -> None:
    """02:30 does not exist on 8 March 2026 in New York; the send goes at the first real instant after
    (03:00 EDT, when the clock jumps), not at 02:30 read with the old offset (03:30 EDT)."""
    got = next_send_time(
        datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
        zone("America/New_York"),
        "02:30-05:00",
        "21:00-01:00",
        ["sun"],
    )
    assert got.astimezone(zone("America/New_York")).hour == 3
    assert got == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_quiet_hours_ending_inside_the_gap_end_at_the_jump() -> None:
    """Quiet until 02:30 on the night Berlin skips 02:00-03:00: sends may go at 03:00 CEST (01:00 UTC)."""
    got = next_send_time(
        datetime(2027, 3, 27, 21, 0, tzinfo=UTC),  # Saturday 22:00 CET
        zone("Europe/Berlin"),
        "00:00-00:00",
        "21:00-02:30",
        list(DAYS),
    )
    assert got == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_a_window_past_midnight_opens_at_midnight_on_an_allowed_day() -> None:
    """A 22:00-02:00 window on Tuesdays only: Tuesday's first hours are in it (Monday 22:00 is not)."""
    monday_noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    got = next_send_time(monday_noon, zone("UTC"), "22:00-02:00", "03:00-04:00", ["tue"])
    assert got == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


def test_the_fall_back_hour_is_allowed_once_each_way() -> None:
    """When New York's clocks go back (1 November 2026, 02:00 EDT -> 01:00 EST), quiet hours ending at
    01:30 end at the first 01:30 (EDT); nothing is sent before it."""
    got = next_send_time(
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC),  # 00:00 EDT
        zone("America/New_York"),
        "00:00-00:00",
        "21:00-01:30",
        list(DAYS),
    )
    assert got == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_window_inside_quiet_hours_never_opens() -> None:
    with pytest.raises(WindowNeverOpens, match="widen the send window"):
        check_schedule("22:00-23:00", "21:00-08:00", WEEKDAYS)
    with pytest.raises(WindowNeverOpens):
        check_schedule("09:00-18:00", "21:00-08:00", [])


def test_unknown_zone_falls_back_to_the_study_zone() -> None:
    assert zone("Mars/Olympus", "Europe/Paris").key == "Europe/Paris"
    assert zone(None, "UTC").key == "UTC"


def _first_allowed_minute(
    after: datetime, tz: ZoneInfo, window: str, quiet: str, days: list[str]
) -> datetime:
    """The slow, obvious answer: `after` itself, else every whole minute after it, one by one."""
    if allowed(after, tz, window, quiet, days):
        return after
    instant = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while not allowed(instant, tz, window, quiet, days):
        instant += timedelta(minutes=1)
    return instant


@pytest.mark.parametrize("zone_name", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"])
def test_the_planned_time_is_the_first_allowed_minute_around_clock_changes(zone_name: str) -> None:
    """Against a minute-by-minute scan, near the 2026 and 2027 daylight-saving changes (Lord Howe moves
    its clocks by 30 minutes), for windows that wrap midnight, quiet hours inside the gap and short
    weeks."""
    tz = zone(zone_name)
    schedules = [
        ("09:00-18:00", "21:00-08:00", WEEKDAYS),
        ("00:00-00:00", "21:00-02:30", list(DAYS)),
        ("22:00-02:00", "03:00-04:00", ["tue", "sat"]),
        ("01:45-03:15", "12:00-13:00", ["sun"]),
    ]
    changes = [datetime(2026, 3, 8), datetime(2026, 3, 29), datetime(2026, 4, 5), datetime(2026, 10, 4)]
    changes += [datetime(2026, 10, 25), datetime(2026, 11, 1), datetime(2027, 3, 28)]
    rng = random.Random(7)
    for day in changes:
        for _ in range(6):
            after = day.replace(tzinfo=UTC) + timedelta(minutes=rng.randrange(-3 * 1440, 2 * 1440))
            for window, quiet, days in schedules:
                expected = _first_allowed_minute(after, tz, window, quiet, days)
                assert next_send_time(after, tz, window, quiet, days) == expected, (
                    after,
                    window,
                    quiet,
                    days,
                )
