"""Send times in participants' zones: windows, quiet hours, days and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.outreach.timing import WindowNeverOpens, check_schedule, next_send_time, zone

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
    """02:30 does not exist on 8 March 2026 in New York; the send goes at the first real instant after."""
    got = next_send_time(
        datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
        zone("America/New_York"),
        "02:30-05:00",
        "21:00-01:00",
        ["sun"],
    )
    assert got.astimezone(zone("America/New_York")).hour == 3
    assert got == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_window_inside_quiet_hours_never_opens() -> None:
    with pytest.raises(WindowNeverOpens, match="widen the send window"):
        check_schedule("22:00-23:00", "21:00-08:00", WEEKDAYS)
    with pytest.raises(WindowNeverOpens):
        check_schedule("09:00-18:00", "21:00-08:00", [])


def test_unknown_zone_falls_back_to_the_study_zone() -> None:
    assert zone("Mars/Olympus", "Europe/Paris").key == "Europe/Paris"
    assert zone(None, "UTC").key == "UTC"
