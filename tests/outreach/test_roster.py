"""Roster files (`interviewer invite --roster`): good rows kept, each bad line reported with its number,
values quoted so that nothing pasted into a file can act on the terminal."""

from __future__ import annotations

from bot.outreach.invitations import parse_roster


def test_roster_reports_bad_lines_and_keeps_good_rows() -> None:
    text = (
        "user_id,timezone,group\n"
        "U1,Europe/Berlin,teachers\n"
        ",UTC,x\n"
        "U2,Mars/Base,artists\n"
        "U3,,artists\n"
        "U1,UTC,teachers\n"
        "U4,UTC,a,extra\n"
    )
    members, problems = parse_roster(text, "slack", "T1")
    assert [m.address.user_id for m in members] == ["U1", "U3"]
    assert members[0].timezone == "Europe/Berlin" and members[1].group == "artists"
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 6", "line 7"]
    assert parse_roster("name\nx\n", "slack", "T1")[1] == [
        "line 1: the header needs a user_id column (optional: timezone, group)"
    ]


def test_roster_ids_must_have_the_platforms_form_and_bad_values_are_quoted_safely() -> None:
    text = (
        "user_id,timezone,group\n"
        "U1\x1b]0;PWNED\x07,UTC,x\n"  # an escape sequence pasted into an id
        'U2,UTC,"two\nlines"\n'  # a value spanning lines: the next row's line number still counts both
        "Alice Smith,UTC,x\n"
        f"U3,UTC,{'g' * 65}\n"
        "U4,UTC,ok\n"
    )
    members, problems = parse_roster(text, "slack", "T1")
    assert [m.address.user_id for m in members] == ["U4"]
    assert problems[0].startswith("line 2: user_id 'U1\\x1b]0;PWNED\\x07' is not a Slack member id")
    assert "\x1b" not in "".join(problems)
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 5", "line 6"]
    assert parse_roster("user_id\n123\nabc\n", "discord", "dm")[1] == [
        "line 3: user_id 'abc' is not a Discord user id (digits only)"
    ]
    assert parse_roster("user_id;timezone\nU1;UTC\n", "slack", "T1")[1] == [
        "line 1: the values are separated by semicolons; save the file as comma-separated CSV"
    ]
    huge_members, huge = parse_roster("user_id\nU1\n" + "U" * 200_000 + "\n", "slack", "T1")
    # over the csv module's field limit ("cannot be read") or, where a process raised that limit, not an id
    assert [m.address.user_id for m in huge_members] == ["U1"] and huge[0].startswith("line 3: ")
    assert len(huge[0]) < 200


def test_a_roster_zone_must_be_an_area_city_name_not_the_servers_own() -> None:
    """`localtime` (the server's own zone) and aliases are refused, as `/interviewer timezone` refuses them."""
    server_zones = "user_id,timezone\nU1,localtime\nU2,posix/Europe/Berlin\nU3,EST\nU4,Asia/Kathmandu\n"
    members, problems = parse_roster(server_zones, "slack", "T1")
    assert [m.timezone for m in members] == ["Asia/Kathmandu"]
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4"]
    assert "write an Area/City name, e.g. Europe/Berlin, or UTC" in problems[0]


def test_a_roster_zone_in_another_case_is_stored_as_the_zone_list_spells_it() -> None:
    rows = "user_id,timezone\nU1,europe/berlin\nU2,AMERICA/NEW_YORK\nU3,utc\nU4,posix/europe/berlin\nU5,est\n"
    members, problems = parse_roster(rows, "slack", "T1")
    assert [m.timezone for m in members] == ["Europe/Berlin", "America/New_York", "UTC"]
    assert [p.split(":")[0] for p in problems] == ["line 5", "line 6"]
