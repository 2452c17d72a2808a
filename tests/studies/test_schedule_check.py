"""A study whose schedule never allows a send is refused when it is checked or loaded, by the same rule
(`check_schedule`) that `interviewer invite` and the reminder planner apply, naming the setting to change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.outreach.timing import WindowNeverOpens, check_schedule
from bot.studies.study import load_study
from tests.studies.test_study import minimal_study, only_problem, write
from tests.support.cli import run
from tests.support.paths import STUDIES

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
NEVER = [
    # (schedule, the field the problem names)
    ({"days": []}, "days"),
    ({"send_window": "22:00-23:00", "quiet_hours": "21:00-07:00"}, "send_window"),
    ({"quiet_hours": "00:00-23:59"}, "send_window"),
    ({"send_window": "22:30-06:00", "quiet_hours": "22:00-07:00"}, "send_window"),  # both wrap midnight
]


def schedule_study(tmp_path: Path, **schedule: Any) -> Path:
    data = minimal_study()
    data["schedule"] = {"timezone": "Europe/Berlin", **schedule}
    return write(tmp_path, data)


def invite_refusal(schedule: dict[str, Any]) -> str:
    """What `interviewer invite` says about the schedule (bot/outreach/invitations.py:ensure_invitable)."""
    with pytest.raises(WindowNeverOpens) as info:
        check_schedule(
            schedule.get("send_window", "09:00-18:00"),
            schedule.get("quiet_hours", "21:00-08:00"),
            schedule.get("days", WEEKDAYS),
        )
    return str(info.value)


@pytest.mark.parametrize(("schedule", "field"), NEVER)
def test_a_schedule_that_never_sends_is_refused_naming_the_field(tmp_path, schedule, field):
    path = schedule_study(tmp_path, **schedule)
    assert only_problem(path) == f"{path}: schedule.{field}: {invite_refusal(schedule)}"


def test_the_messages_say_what_to_change(tmp_path):
    path = schedule_study(tmp_path, days=[])
    assert only_problem(path) == (
        f"{path}: schedule.days: the schedule never allows a send: days is empty; "
        "list the days sends may go out, e.g. days: [mon, tue, wed, thu, fri]"
    )
    path = schedule_study(tmp_path, send_window="22:00-23:00", quiet_hours="21:00-07:00")
    assert only_problem(path) == (
        f"{path}: schedule.send_window: the schedule never allows a send: send_window 22:00-23:00 lies "
        "wholly inside quiet_hours 21:00-07:00; widen the send window or shorten the quiet hours so that "
        "part of the window lies outside them"
    )


@pytest.mark.parametrize(
    "schedule",
    [
        {"send_window": "00:00-00:00", "quiet_hours": "00:00-00:00", "days": ["sun"]},  # all day, no quiet
        {"send_window": "20:00-22:00", "quiet_hours": "21:00-08:00"},  # the first hour is outside
        {"send_window": "22:00-02:00", "quiet_hours": "23:00-01:00"},  # wraps; 22-23 and 01-02 are free
        {"send_window": "00:00-00:00", "quiet_hours": "00:00-23:59"},  # one minute a day is enough
        {"days": ["sat"]},
    ],
)
def test_a_schedule_that_sends_at_some_time_loads(tmp_path, schedule):
    study = load_study(schedule_study(tmp_path, **schedule))
    assert study.schedule.model_dump(include=set(schedule)) == schedule


def test_a_malformed_window_is_reported_once_not_also_as_never_sending(tmp_path):
    path = schedule_study(tmp_path, send_window="9-18", days=[])
    assert only_problem(path) == (
        f"{path}: schedule.send_window: '9-18' is not a clock range; write HH:MM-HH:MM, e.g. 09:00-18:00"
    )


def test_study_check_refuses_each_never_sending_schedule(tmp_path):
    """The audit's three cases, as copies of a bundled study run through `interviewer study check`."""
    teachers = (STUDIES / "teachers.yaml").read_text(encoding="utf-8")
    edits = {
        "no-days.yaml": ("days: [mon, tue, wed, thu, fri, sat]", "days: []"),
        "inside.yaml": ('send_window: "15:30-19:30"', 'send_window: "22:00-23:00"'),
        "all-quiet.yaml": ('quiet_hours: "21:00-07:00"', 'quiet_hours: "00:00-23:59"'),
    }
    for name, (old, new) in edits.items():
        assert old in teachers
        (tmp_path / name).write_text(teachers.replace(old, new), encoding="utf-8")
    result = run(["study", "check", *edits], tmp_path)
    assert result.returncode == 1
    assert ": ok (" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "no-days.yaml: schedule.days: the schedule never allows a send: days is empty; "
        "list the days sends may go out, e.g. days: [mon, tue, wed, thu, fri]",
        "inside.yaml: schedule.send_window: the schedule never allows a send: send_window 22:00-23:00 lies "
        "wholly inside quiet_hours 21:00-07:00; widen the send window or shorten the quiet hours so that "
        "part of the window lies outside them",
        "all-quiet.yaml: schedule.send_window: the schedule never allows a send: send_window 15:30-19:30 "
        "lies wholly inside quiet_hours 00:00-23:59; widen the send window or shorten the quiet hours so "
        "that part of the window lies outside them",
    ]
