"""Control characters in a study's text are refused, in every string field, naming the field and the
character: they would reach participants' terminals and Slack/Discord as they are. Prose keeps its
newlines and tabs; carriage returns become newlines."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from bot.errors import StudyError
from bot.studies.study import load_study, parse_study
from tests.studies.test_study import minimal_study, only_problem, problems_of, write
from tests.support.cli import run
from tests.support.paths import STUDIES

ESC = "U+001B ESC"
LITERALS = {"kind", "priority", "days"}  # one of a few words: refused as "not one of", the value escaped


def full_study() -> dict[str, Any]:
    """A valid study that sets every field of every model (checked below), so every string is reached."""
    topic = {
        "id": "first",
        "goal": "Learn what happened.",
        "question": "What happened first?",
        "probes": ["When was that?"],
        "priority": "must",
        "max_followups": 2,
    }
    data = minimal_study()
    data.update(language="en", hypotheses=["People use it daily."], organizers=["discord:1234"])
    data.update(retention_days=365)
    data["consent"]["release_question"] = "May we publish it?"
    data["plan"].update(topics=[topic], budget={"minutes": 15, "max_questions": 14})
    data["survey"] = [
        {
            "id": "useful",
            "question": "Was it useful?",
            "kind": "scale7",
            "low_label": "no",
            "high_label": "yes",
        }
    ]
    data["invitation"].update(button_label="Join", max_reminders=1, reminder_after="2d", expire_after="7d")
    data["schedule"].update(days=["mon"])
    data["schedule"]["waves"] = [
        {"id": "later", "after": "90d", "intro": "Hello again.", "topics": [copy.deepcopy(topic)]}
    ]
    return data


def models_in(value: Any) -> Iterator[BaseModel]:
    if isinstance(value, BaseModel):
        yield value
        for name in type(value).model_fields:
            yield from models_in(getattr(value, name))
    elif isinstance(value, list):
        for item in value:
            yield from models_in(item)


def strings_in(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_in(item, (*at, index))


def field_name(at: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(at))


def with_value(data: dict[str, Any], at: tuple[Any, ...], value: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    holder: Any = changed
    for part in at[:-1]:
        holder = holder[part]
    holder[at[-1]] = value
    return changed


def test_the_full_study_sets_every_field_of_every_model():
    study = parse_study(full_study(), "full")
    for model in models_in(study):
        assert model.model_fields_set == set(type(model).model_fields), type(model).__name__


FIELDS = [at for at, _ in strings_in(full_study())]


@pytest.mark.parametrize("at", FIELDS, ids=field_name)
def test_every_string_field_refuses_an_escape_character(tmp_path, at):
    data = full_study()
    original = dict(strings_in(data))[at]
    path = write(tmp_path, with_value(data, at, original[:1] + "\x1b[31m" + original[1:]))
    problem = only_problem(path)
    assert "\x1b" not in problem  # never echoed raw
    if LITERALS & set(at[-2:]):  # a field such as kind, or an item of days
        assert problem.startswith(f"{path}: {field_name(at)}: ") and "is not one of" in problem
    else:
        assert problem == f"{path}: {field_name(at)}: contains a control character ({ESC}); remove it"


CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
NAMES = {"\x00": "U+0000 NUL", "\x07": "U+0007 BEL", "\x0b": "U+000B VT", "\x7f": "U+007F DEL"}
NAMES |= {"\x85": "U+0085 NEL", "\x9b": "U+009B CSI", "\x9f": "U+009F APC", "\x1f": "U+001F US"}


@pytest.mark.parametrize("ch", [c for c in CONTROLS if c not in "\t\n\r"], ids=lambda c: f"U+{ord(c):04X}")
def test_prose_refuses_every_c0_and_c1_control_but_tab_and_line_breaks(tmp_path, ch):
    data = minimal_study()
    data["plan"]["intro"] = f"I am an AI{ch} interviewer."
    path = write(tmp_path, data)
    problem = only_problem(path)
    assert problem.startswith(f"{path}: plan.intro: contains a control character (U+{ord(ch):04X} ")
    assert problem.endswith("); remove it")
    if ch in NAMES:
        assert f"({NAMES[ch]})" in problem


def test_prose_keeps_tabs_and_newlines_and_turns_carriage_returns_into_newlines(tmp_path):
    data = minimal_study()
    data["plan"]["intro"] = "Line one\r\nline\ttwo\rline three\nline four"
    data["consent"]["text"] = "Windows\r\nline ends"
    study = load_study(write(tmp_path, data))
    assert study.plan.intro == "Line one\nline\ttwo\nline three\nline four"
    assert study.consent.text == "Windows\nline ends"


@pytest.mark.parametrize(
    ("ch", "problem"),
    [
        ("\n", "contains a line break (U+000A LF); write it on one line"),
        ("\r", "contains a line break (U+000D CR); write it on one line"),
        ("\t", "contains a control character (U+0009 HT); remove it"),
    ],
)
def test_one_line_fields_refuse_line_breaks_and_tabs(tmp_path, ch, problem):
    data = minimal_study()
    data["title"] = f"AI{ch}at work"
    data["screening"][0]["options"][1] = f"B{ch}C"
    path = write(tmp_path, data)
    assert problems_of(path) == [f"{path}: title: {problem}", f"{path}: screening[0].options[1]: {problem}"]


def test_a_title_block_with_its_final_newline_is_still_one_line(tmp_path):
    path = tmp_path / "block.yaml"
    text = write(tmp_path, minimal_study()).read_text(encoding="utf-8")
    path.write_text(text.replace("title: Minimal study", "title: |\n  Minimal study"), encoding="utf-8")
    assert load_study(path).title == "Minimal study"


def test_an_unknown_key_holding_a_control_character_is_shown_escaped(tmp_path):
    data = minimal_study()
    data["ti\x1btle"] = "x"
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: 'ti\\x1btle': is not a known field; check its spelling against studies/README.md"
    )


def test_study_check_refuses_escape_bell_and_nul_written_as_yaml_escapes(tmp_path):
    """The audit's case: control characters written with YAML double-quote escapes in a bundled study."""
    teachers = (STUDIES / "teachers.yaml").read_text(encoding="utf-8")
    assert "title: AI in the classroom" in teachers
    cases = {
        "esc.yaml": r'title: "AI\x1b[31m red \x07 bell"',
        "nul.yaml": r'title: "AI\0 in the classroom"',
        "c1.yaml": r'title: "AI\x9b31m in the classroom"',
    }
    for name, title in cases.items():
        (tmp_path / name).write_text(teachers.replace("title: AI in the classroom", title), encoding="utf-8")
    result = run(["study", "check", *cases], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "esc.yaml: title: contains a control character (U+001B ESC); remove it",
        "nul.yaml: title: contains a control character (U+0000 NUL); remove it",
        "c1.yaml: title: contains a control character (U+009B CSI); remove it",
    ]
    assert ": ok (" not in result.stdout


def test_a_plan_version_stored_under_looser_rules_still_loads_from_the_database():
    """An interview finishes under the plan it started with (bot.studies.catalog.Catalog.at), even where
    a rule added since would refuse that plan in a study file."""
    data = full_study()
    data["title"] = "Old \x1b[1mtitle\x1b[0m"
    data["schedule"] = {**data.get("schedule", {}), "days": []}
    with pytest.raises(StudyError):
        parse_study(copy.deepcopy(data), "file.yaml")
    stored = parse_study(copy.deepcopy(data), "database:x@v1", stored=True)
    assert stored.title == "Old \x1b[1mtitle\x1b[0m" and stored.schedule.days == []
