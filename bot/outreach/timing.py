"""When a scheduled message may go out. The rules live in `bot/studies/timing.py`, where loading a study
also uses them to refuse a schedule that never allows a send; outreach imports them from here."""

from bot.studies.timing import (
    DAY_NAMES,
    WindowNeverOpens,
    allowed,
    area_city,
    area_city_as_listed,
    check_schedule,
    next_send_time,
    parse_range,
    zone,
)

__all__ = [
    "DAY_NAMES",
    "WindowNeverOpens",
    "allowed",
    "area_city",
    "area_city_as_listed",
    "check_schedule",
    "next_send_time",
    "parse_range",
    "zone",
]
