"""Study files: bundled studies load, plan hashes behave, and every kind of bad file gets a clear error."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.errors import StudyError
from bot.studies.study import STANDARD_SURVEY, Study, find_studies, load_study, parse_study
from tests.support.paths import STUDIES

BUNDLED = ["ai-at-work", "creatives", "scientists", "teachers"]
PRIORITY_ORDER = {"must": 0, "should": 1, "could": 2}


def minimal_study() -> dict[str, Any]:
    """The smallest valid study, with three topics so tests can break topics[2]."""
    return {
        "id": "mini",
        "title": "Minimal study",
        "audience": "Anyone",
        "research_goal": "Check the loader.",
        "consent": {"text": "Do you agree to take part?"},
        "screening": [
            {
                "id": "role",
                "question": "What is your role?",
                "kind": "choice",
                "options": ["A", "B"],
                "group": True,
            }
        ],
        "plan": {
            "intro": "I am an AI interviewer.",
            "topics": [
                {"id": "first", "goal": "g1", "question": "What happened first?", "priority": "must"},
                {"id": "second", "goal": "g2", "question": "What happened next?", "priority": "should"},
                {"id": "third", "goal": "g3", "question": "What happened last?", "priority": "could"},
            ],
            "closing": "Thank you.",
        },
        "support": "Talk to someone you trust.",
        "researchers": ["slack:U0123ABCD"],
        "invitation": {"text": "Would you take part?"},
        "schedule": {"timezone": "Europe/Berlin", "send_window": "09:00-18:00", "quiet_hours": "21:00-08:00"},
    }


def write(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(StudyError) as info:
        load_study(path)
    return info.value.problems


def only_problem(path: Path) -> str:
    problems = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


# --- bundled studies -------------------------------------------------------------------------------------


def test_all_bundled_studies_are_present_and_nothing_else():
    assert [p.stem for p in find_studies(STUDIES)] == BUNDLED


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_study_loads_with_id_equal_to_file_stem(name):
    study = load_study(STUDIES / f"{name}.yaml")
    assert study.id == name
    assert study.language == "en"
    assert study.consent.release_question
    assert study.researchers == [] and study.organizers == []
    assert study.invitation is not None


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_study_puts_must_topics_before_should_and_could(name):
    topics = load_study(STUDIES / f"{name}.yaml").plan.topics
    ranks = [PRIORITY_ORDER[t.priority] for t in topics]
    assert ranks == sorted(ranks)
    assert 2 <= sum(t.priority == "must" for t in topics) <= 3
    assert 5 <= len(topics) <= 7


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_study_ids_are_unique_within_each_list(name):
    study = load_study(STUDIES / f"{name}.yaml")
    for items in (study.plan.topics, study.screening, study.survey, study.schedule.waves):
        ids = [item.id for item in items]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_study_keeps_standard_survey_and_adds_one_item(name):
    survey = load_study(STUDIES / f"{name}.yaml").survey
    assert survey[:3] == STANDARD_SURVEY
    assert len(survey) == 4


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_study_questions_fit_a_chat_window_and_probes_read_well(name):
    study = load_study(STUDIES / f"{name}.yaml")
    topics = list(study.plan.topics) + [t for wave in study.schedule.waves for t in wave.topics]
    for topic in topics:
        assert len(topic.question) < 200, topic.question
        assert 1 <= topic.max_followups <= 3
        for probe in topic.probes:
            assert len(probe) < 200, probe
            # asked verbatim when it ends in '?', else after "Could you tell me more about"
            assert probe.endswith("?") or probe[0].islower(), probe


def test_bundled_group_question_comes_first_and_offers_other():
    for name in BUNDLED:
        first = load_study(STUDIES / f"{name}.yaml").screening[0]
        assert first.kind == "choice" and first.group
        assert "Other" in first.options and 4 <= len(first.options) <= 8


def test_ai_at_work_has_a_follow_up_wave_after_ninety_days():
    waves = load_study(STUDIES / "ai-at-work.yaml").schedule.waves
    assert [w.after for w in waves] == ["90d"]
    assert 1 <= len(waves[0].topics) <= 2


# --- plan hash ------------------------------------------------------------------------------------------


def test_plan_hash_is_stable_across_loads():
    first = load_study(STUDIES / "ai-at-work.yaml").plan_hash
    again = load_study(STUDIES / "ai-at-work.yaml").plan_hash
    assert first == again
    assert len(first) == 64


def test_plan_hash_changes_when_a_question_changes():
    data = minimal_study()
    before = parse_study(data, "mini.yaml").plan_hash
    data["plan"]["topics"][1]["question"] = "What happened after that?"
    assert parse_study(data, "mini.yaml").plan_hash != before


def test_plan_hash_ignores_researchers_and_organizers():
    data = minimal_study()
    before = parse_study(data, "mini.yaml").plan_hash
    data["researchers"] = ["discord:1234", "slack:U999"]
    data["organizers"] = ["console:alice"]
    assert parse_study(data, "mini.yaml").plan_hash == before


def test_minimal_study_is_valid_and_gets_defaults(tmp_path):
    study = load_study(write(tmp_path, minimal_study(), "mini.yaml"))
    assert isinstance(study, Study)
    assert study.survey == STANDARD_SURVEY
    assert study.plan.budget.minutes == 15 and study.plan.budget.max_questions == 14
    assert study.schedule.days == ["mon", "tue", "wed", "thu", "fri"]


# --- bad input: each problem names file, field and fix --------------------------------------------------


def test_misspelled_priority_names_the_topic_and_allowed_values(tmp_path):
    data = minimal_study()
    data["plan"]["topics"][2]["priority"] = "mustt"
    path = write(tmp_path, data)
    assert only_problem(path) == f"{path}: plan.topics[2].priority: 'mustt' is not one of must, should, could"


def test_missing_required_field_says_add_it(tmp_path):
    data = minimal_study()
    del data["plan"]["closing"]
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: plan.closing: is required; add it (studies/README.md describes every field)"
    )


def test_unknown_field_says_check_spelling(tmp_path):
    data = minimal_study()
    data["plan"]["topics"][0]["probs"] = ["a typo"]
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: plan.topics[0].probs: is not a known field; check its spelling against studies/README.md"
    )


def test_duplicate_topic_id_is_named(tmp_path):
    data = minimal_study()
    data["plan"]["topics"][2]["id"] = "first"
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: plan.topics: topic id 'first' is used twice; topic ids must be unique"
    )


def test_duplicate_survey_id_is_named(tmp_path):
    data = minimal_study()
    data["survey"] = [item.model_dump() for item in STANDARD_SURVEY] + [STANDARD_SURVEY[0].model_dump()]
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: survey: question id 'satisfaction' is used twice; question ids must be unique"
    )


def test_bad_duration_shows_the_accepted_form(tmp_path):
    data = minimal_study()
    data["invitation"]["reminder_after"] = "2 days"
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: invitation.reminder_after: '2 days' is not a duration; write a number and a unit, "
        "e.g. 90m, 36h, 2d, 1w"
    )


def test_bad_time_zone_suggests_an_iana_name(tmp_path):
    data = minimal_study()
    data["schedule"]["timezone"] = "Berlin Time"
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: schedule.timezone: 'Berlin Time' is not an IANA time zone; write e.g. Europe/Berlin or UTC"
    )


def test_a_time_zone_in_another_case_is_read_as_the_zone_list_spells_it(tmp_path):
    data = minimal_study()
    data["schedule"]["timezone"] = "europe/berlin"
    assert load_study(write(tmp_path, data)).schedule.timezone == "Europe/Berlin"


def test_the_servers_own_zone_is_no_study_time_zone(tmp_path):
    """`localtime` is whatever zone the bot's machine has: sends would move with the server."""
    data = minimal_study()
    data["schedule"]["timezone"] = "localtime"
    path = write(tmp_path, data)
    # (where the machine has no zone file of that name, it is refused as no IANA zone at all)
    assert only_problem(path).startswith(f"{path}: schedule.timezone: 'localtime' is not an ")
    assert only_problem(path).endswith("time zone; write e.g. Europe/Berlin or UTC")


def test_a_wave_after_retention_deletes_the_interview_is_refused(tmp_path):
    data = minimal_study()
    wave = {"id": "later", "after": "90d", "topics": [{"id": "t", "goal": "g", "question": "And now?"}]}
    data["schedule"]["waves"] = [wave]
    data["retention_days"] = 30
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: retention_days: wave 'later' comes 90d after an interview, but retention_days 30 deletes "
        "the interview before then (nobody would be invited); raise retention_days above the wave's delay "
        "or shorten the wave's `after`"
    )
    data["retention_days"] = 91
    assert load_study(write(tmp_path, data)).retention_days == 91
    data["retention_days"] = 30  # a plan version stored before this rule still loads
    assert parse_study(data, "stored", stored=True).retention_days == 30


def test_bad_clock_range_shows_the_accepted_form(tmp_path):
    data = minimal_study()
    data["schedule"]["send_window"] = "9am-6pm"
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: schedule.send_window: '9am-6pm' is not a clock range; write HH:MM-HH:MM, e.g. 09:00-18:00"
    )


def test_bad_access_id_shows_the_platform_prefix_form(tmp_path):
    data = minimal_study()
    data["organizers"] = ["U0123ABCD"]
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: organizers: 'U0123ABCD' is not platform:user_id; write e.g. slack:U0123ABCD or discord:1234"
    )


def test_choice_question_with_one_option_asks_for_more_or_text(tmp_path):
    data = minimal_study()
    data["screening"][0]["options"] = ["Only one"]
    path = write(tmp_path, data)
    assert only_problem(path) == (
        f"{path}: screening[0]: a choice question needs at least 2 options; add them or set kind: text"
    )


def test_several_problems_are_all_reported_at_once(tmp_path):
    data = minimal_study()
    data["plan"]["topics"][2]["priority"] = "mustt"
    data["schedule"]["timezone"] = "Nowhere/Land"
    del data["support"]
    problems = problems_of(write(tmp_path, data))
    assert len(problems) == 3
    assert any("plan.topics[2].priority" in p for p in problems)
    assert any("schedule.timezone" in p for p in problems)
    assert any("support: is required" in p for p in problems)


def test_error_messages_do_not_echo_huge_values(tmp_path):
    data = minimal_study()
    data["plan"]["topics"][0]["priority"] = "m" * 3000
    problem = only_problem(write(tmp_path, data))
    assert "is not one of must, should, could" in problem
    assert len(problem) < 300


def test_parse_study_names_the_given_source(tmp_path):
    data = copy.deepcopy(minimal_study())
    data["id"] = "Not A Slug"
    with pytest.raises(StudyError) as info:
        parse_study(data, "inline-source")
    assert info.value.problems == [
        "inline-source: id: 'Not A Slug' has the wrong form; use lower-case letters, digits and dashes "
        "(e.g. ai-at-work)"
    ]


# --- the README stays true ------------------------------------------------------------------------------


def test_readme_example_is_a_valid_study(tmp_path):
    readme = (STUDIES / "README.md").read_text(encoding="utf-8")
    example = readme.split("## A short complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "remote-work.yaml"
    path.write_text(example, encoding="utf-8")
    assert load_study(path).id == "remote-work"


def test_readme_documents_every_field_of_every_model():
    readme = (STUDIES / "README.md").read_text(encoding="utf-8")
    from bot.studies import study as schema

    models = [
        schema.Study,
        schema.Consent,
        schema.ScreeningQuestion,
        schema.Plan,
        schema.Budget,
        schema.Topic,
    ]
    models += [schema.SurveyItem, schema.Invitation, schema.Schedule, schema.Wave]
    for model in models:
        assert f"## {model.__name__}" in readme or model is schema.Study
        for field in model.model_fields:
            assert f"| `{field}` |" in readme, f"{model.__name__}.{field} is not documented"
