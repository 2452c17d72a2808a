"""A roster: the members an organizer invites, read from a CSV file (`interviewer invite --roster`).

Columns: `user_id` (required), `timezone` (an IANA Area/City name or UTC) and `group` (optional),
comma-separated with a header. Bad rows are reported by their line in the file and left out; the good ones
are kept. A user id is checked for the form the platform gives it, so a typo, a pasted name or an escape
sequence is never invited: Slack's member ids are letters and digits such as U0123ABCD
(https://docs.slack.dev/reference/objects/user-object),
Discord's are snowflakes, up to 20 ASCII digits (https://discord.com/developers/docs/reference#snowflakes).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from bot.messages import Address
from bot.outreach.timing import area_city, area_city_as_listed

ID_FORMS = {
    "slack": (re.compile(r"[A-Z0-9]{2,20}"), "a Slack member id such as U0123ABCD"),
    "discord": (re.compile(r"[0-9]{1,20}"), "a Discord user id (digits only)"),
}
GROUP_MAX = 64  # characters of a group name (the database column's width)
SHOWN = 40  # characters of a bad value quoted in a problem line


@dataclass(frozen=True)
class Member:
    """Someone to invite: where to reach them, and what a roster says about them."""

    address: Address
    timezone: str | None = None
    group: str | None = None


def _shown(value: str) -> str:
    """A value from the file, quoted safely: control characters escaped, long ones cut."""
    cut = value[:SHOWN] + ("..." if len(value) > SHOWN else "")
    return repr(cut)


def _header_problem(fields: list[str], text: str) -> str | None:
    if "user_id" in fields:
        return None
    if ";" in text.partition("\n")[0]:
        return "line 1: the values are separated by semicolons; save the file as comma-separated CSV"
    return "line 1: the header needs a user_id column (optional: timezone, group)"


def _row_problem(row: dict[str, str], platform: str) -> str | None:
    user_id, tz_name, group = row.get("user_id", ""), row.get("timezone", ""), row.get("group", "")
    form, what = ID_FORMS.get(platform, (re.compile(r"[A-Za-z0-9_.:-]{1,64}"), "a user id"))
    if not user_id:
        return "user_id is empty; write the platform's user id"
    if not form.fullmatch(user_id):
        return f"user_id {_shown(user_id)} is not {what}"
    if tz_name and not area_city(tz_name):  # the rule of `/interviewer timezone`: no server-local aliases
        return (
            f"{_shown(tz_name)} is not an IANA time zone; write an Area/City name, e.g. Europe/Berlin, or UTC"
        )
    if len(group) > GROUP_MAX or not group.isprintable():
        return f"group {_shown(group)} must be at most {GROUP_MAX} printable characters"
    return None


def parse_roster(text: str, platform: str, workspace: str) -> tuple[list[Member], list[str]]:
    """The members of a roster CSV and the problems of the lines left out."""
    if not text.strip():
        return [], [
            "line 1: the file is empty; write a header line `user_id` (optional: timezone, group) and one member per line"
        ]
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = [f.strip().lower() for f in reader.fieldnames or []]
    except csv.Error as exc:
        return [], [f"line 1: the header cannot be read ({exc}); check that this is a CSV file"]
    header = _header_problem(fields, text)
    if header:
        return [], [header]
    members: list[Member] = []
    problems: list[str] = []
    seen: set[str] = set()
    last = reader.line_num
    try:
        for raw in reader:
            line, last = last + 1, reader.line_num  # the row's first line, also when a value spans lines
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
            if row.get(
                "timezone"
            ):  # `europe/berlin` is meant as Europe/Berlin, as in `/interviewer timezone`
                row["timezone"] = area_city_as_listed(row["timezone"]) or row["timezone"]
            problem = (
                "more values than header columns; quote values containing commas" if None in raw else None
            )
            problem = problem or _row_problem(row, platform)
            if problem is None and row["user_id"] in seen:
                problem = f"{row['user_id']} appears twice; the first row is kept"
            if problem:
                problems.append(f"line {line}: {problem}")
                continue
            seen.add(row["user_id"])
            address = Address(platform, workspace, row["user_id"])
            members.append(Member(address, row.get("timezone") or None, row.get("group") or None))
    except csv.Error as exc:  # e.g. a value over the csv module's field limit (131,072 characters)
        problems.append(f"line {last + 1}: cannot be read ({exc}); the rest of the file was left out")
    return members, problems
