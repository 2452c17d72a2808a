"""Study files: the YAML schema, loading with errors that name file and field, and plan hashes."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.errors import StudyError
from bot.studies.fields import STORED, ButtonLabel, LanguageTag, Line, Plain, Slug, Text, is_stored
from bot.studies.problems import problem_lines
from bot.studies.standard_survey import WORDING
from bot.studies.timing import WindowNeverOpens, area_city, area_city_as_listed, check_schedule
from bot.text_files import NotText, printable, read_text
from bot.yaml_files import YamlProblem, parse_yaml

MAX_STUDY_BYTES = 1_000_000
_DURATION = re.compile(r"^\s*(\d{1,7})\s*([mhdw])\s*$")
MAX_DURATION = timedelta(days=3650)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_ACCESS = re.compile(r"^(slack|discord|console):[^\s:]+$")


def parse_duration(text: str) -> timedelta:
    """'90m', '36h', '2d', '1w' -> timedelta; at most MAX_DURATION (anything longer is a mistake, and
    adding it to a date could overflow)."""
    match = _DURATION.match(text) if len(text) <= 32 else None
    if not match:
        raise ValueError(f"{text!r:.40} is not a duration; write a number and a unit, e.g. 90m, 36h, 2d, 1w")
    n, unit = int(match[1]), match[2]
    length = {
        "m": timedelta(minutes=n),
        "h": timedelta(hours=n),
        "d": timedelta(days=n),
        "w": timedelta(weeks=n),
    }
    if length[unit] > MAX_DURATION:
        raise ValueError(f"{text!r} is too long; a duration is at most {MAX_DURATION.days} days")
    return length[unit]


def _unique_ids(items: list[Any], what: str) -> list[Any]:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"{what} id {item.id!r} is used twice; {what} ids must be unique")
        seen.add(item.id)
    return items


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Consent(_Strict):
    text: Text
    release_question: Text | None = (
        None  # optional second question: may the anonymised transcript be released?
    )


class ScreeningQuestion(_Strict):
    id: Slug
    question: Text
    kind: Literal["choice", "text"] = "choice"
    options: list[Line] = []
    group: bool = False  # answers of a group question split analyses and status (e.g. occupation)

    @model_validator(mode="after")
    def _options_for_choice(self) -> ScreeningQuestion:
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError("a choice question needs at least 2 options; add them or set kind: text")
        if len(self.options) > 25:
            raise ValueError("at most 25 options fit in a button list; shorten it or use kind: text")
        return self


class Topic(_Strict):
    id: Slug
    goal: Text
    question: Text
    probes: list[Text] = []  # notes on what to dig into; a note ending in '?' may be asked as written
    priority: Literal["must", "should", "could"] = "should"
    max_followups: int = Field(default=2, ge=0, le=6)


class Budget(_Strict):
    minutes: int = Field(default=15, ge=2, le=90)
    max_questions: int = Field(default=14, ge=1, le=60)


class Plan(_Strict):
    intro: Text
    budget: Budget = Budget()
    topics: list[Topic] = Field(min_length=1, max_length=30)
    closing: Text

    @field_validator("topics")
    @classmethod
    def _unique_topic_ids(cls, topics: list[Topic]) -> list[Topic]:
        return _unique_ids(topics, "topic")


class SurveyItem(_Strict):
    id: Slug
    question: Text
    kind: Literal["scale7", "yesno", "text"] = "scale7"
    low_label: Plain = "not at all"  # shown under 1 on a scale
    high_label: Plain = "completely"  # shown under 7


def standard_survey(language: str = "en") -> list[SurveyItem]:
    """The survey of a study that writes none, in its `language` (English where there is no wording)."""
    satisfaction, captured, recommend = WORDING.get(language.split("-")[0].lower(), WORDING["en"])
    return [
        SurveyItem(
            id="satisfaction", question=satisfaction[0], low_label=satisfaction[1], high_label=satisfaction[2]
        ),
        SurveyItem(id="captured", question=captured[0], low_label=captured[1], high_label=captured[2]),
        SurveyItem(id="recommend", question=recommend, kind="yesno"),
    ]


STANDARD_SURVEY = standard_survey()


class Invitation(_Strict):
    text: Text
    button_label: ButtonLabel = "Take part"
    max_reminders: int = Field(default=2, ge=0, le=10)
    reminder_after: Plain = "2d"
    expire_after: Plain = "7d"  # after the last reminder, an unfinished interview expires

    @field_validator("reminder_after", "expire_after")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Wave(_Strict):
    id: Slug
    after: Plain  # time after the participant completed the first interview, e.g. 90d
    intro: Text | None = None
    topics: list[Topic] = Field(min_length=1)

    @field_validator("topics")
    @classmethod
    def _unique_topic_ids(cls, topics: list[Topic]) -> list[Topic]:
        return _unique_ids(topics, "topic")

    @field_validator("after")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Schedule(_Strict):
    timezone: Plain = "UTC"  # the study's default zone when a participant's own is unknown
    send_window: Plain = "09:00-18:00"  # local clock times when invitations and reminders may go out
    quiet_hours: Plain = "21:00-08:00"  # never send inside these local times
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = ["mon", "tue", "wed", "thu", "fri"]
    waves: list[Wave] = []

    @field_validator("send_window", "quiet_hours")
    @classmethod
    def _clock_range(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"{value!r} is not a clock range; write HH:MM-HH:MM, e.g. 09:00-18:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str, info: ValidationInfo) -> str:
        listed = area_city_as_listed(value)  # `europe/berlin` is meant as Europe/Berlin
        if listed is not None:
            return listed
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone; write e.g. Europe/Berlin or UTC") from None
        if not area_city(value) and not is_stored(info):  # `localtime` would be the server's zone
            raise ValueError(f"{value!r} is not an Area/City time zone; write e.g. Europe/Berlin or UTC")
        return value

    @field_validator("waves")
    @classmethod
    def _unique_wave_ids(cls, waves: list[Wave]) -> list[Wave]:
        return _unique_ids(waves, "wave")

    @model_validator(mode="after")
    def _sends_at_some_time(self, info: ValidationInfo) -> Schedule:
        """Refuse a schedule that never allows a send, by the rule outreach plans sends with."""
        if is_stored(info):  # a stored version was accepted then; invite still refuses to send by it
            return self
        try:
            check_schedule(self.send_window, self.quiet_hours, self.days)
        except WindowNeverOpens as exc:
            # the error names the setting to change; problems.py adds it to the field's location
            raise PydanticCustomError(
                "schedule_never_sends", "{why}", {"why": str(exc), "field": exc.field}
            ) from None
        return self


class Study(_Strict):
    """One study: what it wants to learn, from whom, and how the interview goes."""

    id: Slug
    title: Line
    audience: Text
    language: LanguageTag = "en"
    research_goal: Text
    hypotheses: list[Text] = []
    consent: Consent
    screening: list[ScreeningQuestion] = []
    plan: Plan
    survey: list[SurveyItem] = Field(default_factory=lambda: list(STANDARD_SURVEY))  # in `language`: below
    support: Text
    researchers: list[Plain] = []  # "slack:U0123", "discord:123456789"
    organizers: list[Plain] = []
    invitation: Invitation | None = None
    schedule: Schedule = Schedule()
    # days after an interview's last activity when its content is deleted (bot/retention.py); unset: kept
    retention_days: int | None = Field(default=None, ge=1, le=36500)

    @model_validator(mode="before")
    @classmethod
    def _survey_in_language(cls, data: Any) -> Any:
        """No survey written: the standard one, in the study's language."""
        if isinstance(data, dict) and "survey" not in data and isinstance(data.get("language"), str):
            return {**data, "survey": standard_survey(data["language"])}
        return data

    @field_validator("screening", "survey")
    @classmethod
    def _unique_question_ids(cls, items: list[Any]) -> list[Any]:
        # answers are stored and analysed by id: two questions with one id would mix their answers
        return _unique_ids(items, "question")

    @field_validator("researchers", "organizers")
    @classmethod
    def _access_ids(cls, ids: list[str]) -> list[str]:
        for entry in ids:
            if not _ACCESS.match(entry):
                raise ValueError(
                    f"{entry!r} is not platform:user_id; write e.g. slack:U0123ABCD or discord:1234"
                )
        return ids

    @model_validator(mode="after")
    def _waves_before_retention(self, info: ValidationInfo) -> Study:
        """Refuse a wave that would follow up interviews retention has already deleted."""
        if self.retention_days is None or is_stored(info):
            return self
        kept = timedelta(days=self.retention_days)
        for wave in self.schedule.waves:
            if parse_duration(wave.after) >= kept:
                why = (
                    f"wave {wave.id!r} comes {wave.after} after an interview, but retention_days "
                    f"{self.retention_days} deletes the interview before then (nobody would be invited); "
                    f"raise retention_days above the wave's delay or shorten the wave's `after`"
                )
                raise PydanticCustomError(
                    "wave_after_retention", "{why}", {"why": why, "field": "retention_days"}
                )
        return self

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.plan.topics if t.id == topic_id), None)

    @property
    def plan_hash(self) -> str:
        """Content hash of everything that shapes an interview (access lists and retention excluded)."""
        payload = self.model_dump(mode="json", exclude={"researchers", "organizers", "retention_days"})
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def parse_study(data: Any, source: str, *, stored: bool = False) -> Study:
    """Validate already-parsed YAML/JSON data; raise StudyError naming `source` and each field.
    `stored`: a plan version read back from the database, held to the rules it was stored under where
    later ones are stricter (control characters, schedules that never send)."""
    if data is None:
        raise StudyError(
            [
                f"{printable(source)}: the file holds no fields (only comments or blank lines); "
                f"start from studies/ai-at-work.yaml"
            ]
        )
    if not isinstance(data, dict):
        raise StudyError(
            [
                f"{printable(source)}: the file must hold a mapping of fields (id, title, plan, ...), not "
                f"{type(data).__name__}; start from studies/ai-at-work.yaml"
            ]
        )
    try:
        return Study.model_validate(data, context={STORED: True} if stored else None)
    except ValidationError as exc:
        raise StudyError(problem_lines(exc, source)) from None


def load_study(path: str | Path) -> Study:
    """Read and validate a study file. Every problem is reported, each naming the file and field."""
    path = Path(path)
    if not path.exists():
        raise StudyError(
            [f"{printable(path)}: no such file; give the path of a study YAML file (see studies/)"]
        )
    try:
        text = read_text(path, max_bytes=MAX_STUDY_BYTES, what="a study YAML file (see studies/)")
    except NotText as exc:
        raise StudyError([str(exc)]) from None
    if not text.strip():
        raise StudyError([f"{printable(path)}: the file is empty; start from studies/ai-at-work.yaml"])
    try:
        data = parse_yaml(text, printable(path))
    except YamlProblem as exc:
        raise StudyError([str(exc)]) from None
    try:
        return parse_study(data, printable(path))
    except RecursionError:
        raise StudyError([f"{printable(path)}: the YAML is nested too deeply to be a study file"]) from None


def find_studies(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())
