"""Each problem in a study file is one line that says what is wrong and how to fix it: YAML's Yes/No
booleans, the form a field expects, a length limit, numbers, lists and mappings."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.studies.study import load_study
from tests.studies.test_study import minimal_study, only_problem, problems_of, write
from tests.support.cli import run
from tests.support.paths import STUDIES

QUOTES = "(YAML reads Yes/No/On/Off as true/false); write it in quotes"


def yaml_study(tmp_path: Path, old: str, new: str, name: str = "s.yaml") -> Path:
    """The minimal study as YAML text with one piece replaced, so YAML itself reads the new text."""
    text = write(tmp_path, minimal_study(), "base.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_yes_and_no_as_options_say_to_write_them_in_quotes(tmp_path):
    path = yaml_study(tmp_path, "  - A\n  - B\n", "  - Yes\n  - No\n")
    assert problems_of(path) == [
        f'{path}: screening[0].options[0]: is read as true, not as text {QUOTES} ("Yes")',
        f'{path}: screening[0].options[1]: is read as false, not as text {QUOTES} ("No")',
    ]


def test_quoted_yes_and_no_are_text(tmp_path):
    path = yaml_study(tmp_path, "  - A\n  - B\n", '  - "Yes"\n  - "No"\n')
    assert load_study(path).screening[0].options == ["Yes", "No"]


def test_norwegian_as_a_bare_no_says_to_quote_it(tmp_path):
    path = yaml_study(tmp_path, "id: mini\n", "id: mini\nlanguage: no\n")
    assert only_problem(path) == f'{path}: language: is read as false, not as text {QUOTES} ("No")'


@pytest.mark.parametrize("tag", ["english", "EN", "pt-br", "en_US"])
def test_a_language_that_is_not_a_tag_asks_for_a_language_tag(tmp_path, tag):
    data = minimal_study()
    data["language"] = tag
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: language: {tag!r} has the wrong form; write a language tag such as en, de or pt-BR"
    )


@pytest.mark.parametrize("tag", ["en", "de", "pt-BR"])
def test_language_tags_load(tmp_path, tag):
    data = minimal_study()
    data["language"] = tag
    assert load_study(write(tmp_path, data)).language == tag


def test_an_id_one_character_over_the_limit_says_the_limit(tmp_path):
    data = minimal_study()
    data["id"] = "a" * 64
    data["plan"]["topics"][1]["id"] = "t" * 64
    path = write(tmp_path, data)
    assert problems_of(path) == [
        f"{path}: id: is too long (64 characters, at most 63); shorten it",
        f"{path}: plan.topics[1].id: is too long (64 characters, at most 63); shorten it",
    ]
    data["id"], data["plan"]["topics"][1]["id"] = "a" * 63, "t" * 63
    assert load_study(write(tmp_path, data)).id == "a" * 63


def test_an_id_of_the_wrong_form_keeps_the_slug_hint(tmp_path):
    data = minimal_study()
    data["plan"]["topics"][0]["id"] = "-first"
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: plan.topics[0].id: '-first' has the wrong form; "
        "use lower-case letters, digits and dashes (e.g. ai-at-work)"
    )


def set_at(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data[int(part)] if part.isdigit() else data[part]
    data[last] = value


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("plan.budget", {"minutes": "ten"}, "plan.budget.minutes: 'ten' is not a whole number; "),
        ("plan.budget", {"minutes": 2.5}, "plan.budget.minutes: 2.5 is not a whole number; "),
        ("plan.budget", {"minutes": 1}, "plan.budget.minutes: 1 is too small; write 2 or more"),
        (
            "plan.budget",
            {"max_questions": 99},
            "plan.budget.max_questions: 99 is too large; write 60 or less",
        ),
        (
            "screening.0.group",
            "maybe",
            "screening[0].group: 'maybe' is not true or false; write true or false",
        ),
        ("screening.0.options", "A, B", "screening[0].options: 'A, B' is not a list; write [a, b] or one"),
        ("consent", None, "consent: is empty; write its fields on the lines below it, indented"),
        (
            "consent",
            "I agree",
            "consent: 'I agree' is not a mapping of fields; write its fields on the lines",
        ),
        ("title", None, "title: is empty; write the text after the colon, or leave the line out if"),
        ("title", 2026, 'title: is read as the number 2026, not as text; write it in quotes ("2026")'),
        (
            "title",
            date(2026, 5, 1),
            'title: is read as a date 2026-05-01, not as text; write it in quotes ("2026',
        ),
        ("title", ["A", "B"], "title: is a list (['A', 'B']), not text; write one piece of text"),
        ("plan.topics", [], "plan.topics: needs at least 1 item; add one"),
        ("retention_days", "forever", "retention_days: 'forever' is not a whole number; "),
    ],
)
def test_type_problems_say_how_to_fix_them(tmp_path, field, value, problem):
    data = minimal_study()
    set_at(data, field, value)
    path = write(tmp_path, data)
    line = only_problem(path)
    assert line.startswith(f"{path}: {problem}")
    assert "Input should be" not in line
    if "whole number" in problem:
        assert line.endswith("; write a whole number such as 10")


def test_too_many_topics_says_the_limit(tmp_path):
    data = minimal_study()
    topic = data["plan"]["topics"][0]
    data["plan"]["topics"] = [dict(topic, id=f"t{i}") for i in range(31)]
    path = write(tmp_path, data)
    assert only_problem(path) == f"{path}: plan.topics: has too many items (at most 30); remove some"


def test_study_check_prints_the_hints(tmp_path):
    """The audit's cases, as one copy of a bundled study run through `interviewer study check`."""
    text = (STUDIES / "teachers.yaml").read_text(encoding="utf-8")
    for old, new in [
        ("id: teachers", "id: " + "t" * 64),
        ("language: en", "language: english"),
        ("      - Special education\n      - Other\n", "      - Yes\n      - No\n"),
        ("minutes: 13", "minutes: ten"),
    ]:
        assert old in text
        text = text.replace(old, new, 1)
    (tmp_path / "t.yaml").write_text(text, encoding="utf-8")
    result = run(["study", "check", "t.yaml"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "t.yaml: id: is too long (64 characters, at most 63); shorten it",
        "t.yaml: language: 'english' has the wrong form; write a language tag such as en, de or pt-BR",
        f't.yaml: screening[0].options[4]: is read as true, not as text {QUOTES} ("Yes")',
        f't.yaml: screening[0].options[5]: is read as false, not as text {QUOTES} ("No")',
        "t.yaml: plan.budget.minutes: 'ten' is not a whole number; write a whole number such as 10",
    ]


def test_an_unquoted_time_read_as_a_base_60_number_says_to_quote_the_range(tmp_path):
    path = tmp_path / "t.yaml"
    text = (STUDIES / "teachers.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace('send_window: "15:30-19:30"', "send_window: 15:30"), encoding="utf-8")
    assert only_problem(path) == (
        f"{path}: schedule.send_window: is read as the number 930: YAML reads unquoted times such as 15:30 "
        'as numbers; write the range in quotes, e.g. "09:00-18:00"'
    )
