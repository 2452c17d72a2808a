"""Draft a study file: Claude writes the whole study through a forced tool, or a commented template.

Either way the result validates with `interviewer study check`: Claude's draft is checked with
`parse_study` and sent back once with the problems when it does not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.errors import InterviewerUnavailable, StudyError
from bot.studies.planning.claude import PlanningClaude
from bot.studies.study import STANDARD_SURVEY, Study, parse_study, standard_survey

TOOL_NAME = "write_study"


@dataclass(frozen=True)
class Brief:
    """What the researcher asks for."""

    study_id: str
    goal: str
    audience: str
    hypotheses: list[str] = field(default_factory=list)
    minutes: int = 12
    language: str = "en"


def slug_for(name: str) -> str:
    """A study id from a file name: 'My New Study' -> 'my-new-study'."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63]
    return slug or "new-study"


# ---- Claude ------------------------------------------------------------------------------------------

SYSTEM = """\
You design qualitative research interviews that an AI interviewer runs in a chat (Slack or Discord
direct messages). Write the complete study for the researcher's brief by calling the write_study tool.

Method:
- Every topic serves the research goal or tests a hypothesis; each hypothesis needs a topic whose
  questions let people tell stories that could support or contradict it. Never ask people to judge
  the hypothesis itself.
- Core questions are open, neutral and about the participant's own recent, concrete experience
  ("Tell me about the last time ...", "Walk me through ...", "How ..."). One question per message;
  no yes/no openers, no leading wording, no two questions joined by "and"/"or", no jargon.
- Probes are short notes on what to listen for, or follow-up questions ending in '?'.
- Priorities: the two or three topics the goal depends on are `must` and come first; then `should`;
  a `could` topic last for when time remains. Budget about 1.5 minutes per core question plus
  0.5 minutes per follow-up; the must and should topics must fit the time budget.
- Consent says what the study is, that an AI asks the questions, how long it takes, that taking part is
  voluntary and any question may be skipped, that `pause`, `stop` and `withdraw` work at any time
  (withdrawing deletes the data), and that transcripts are pseudonymised; it ends by asking for
  agreement.
- Support text is kind, generic and true; never invent phone numbers.
- Ids are lower-case slugs (letters, digits, dashes).
"""


def _string(description: str = "") -> dict[str, Any]:
    return {"type": "string", "description": description} if description else {"type": "string"}


def study_tool() -> dict[str, Any]:
    """The tool's input mirrors the study file (without id, access lists and schedule, which we fill in)."""
    return {
        "name": TOOL_NAME,
        "description": "Record the complete study: who it is for, consent, the interview plan and the survey.",
        "input_schema": {
            "type": "object",
            "properties": {
                "title": _string(),
                "audience": _string(),
                "research_goal": _string(),
                "hypotheses": {"type": "array", "items": _string()},
                "consent": {
                    "type": "object",
                    "properties": {"text": _string(), "release_question": _string()},
                    "required": ["text"],
                },
                "screening": {"type": "array", "items": _screening_schema()},
                "plan": _plan_schema(),
                "extra_survey": {
                    "type": "array",
                    "description": "survey items after the three standard ones",
                    "items": _survey_item_schema(),
                },
                "support": _string(),
                "invitation": _string("the invitation DM: what, that an AI asks, how long"),
            },
            "required": ["title", "audience", "research_goal", "consent", "plan", "support", "invitation"],
        },
    }


SLUG = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,62}$"}


def _screening_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "id": SLUG,
            "question": _string(),
            "kind": {"type": "string", "enum": ["choice", "text"]},
            "options": {"type": "array", "items": _string()},
            "group": {"type": "boolean"},
        },
        "required": ["id", "question", "kind"],
    }


def _plan_schema() -> dict[str, Any]:
    topic = {
        "type": "object",
        "properties": {
            "id": SLUG,
            "goal": _string("what the researchers want to learn from this topic"),
            "question": _string("the core question, open and neutral"),
            "probes": {"type": "array", "items": _string()},
            "priority": {"type": "string", "enum": ["must", "should", "could"]},
            "max_followups": {"type": "integer", "minimum": 0, "maximum": 6},
        },
        "required": ["id", "goal", "question", "probes", "priority", "max_followups"],
    }
    budget = {
        "type": "object",
        "properties": {"minutes": {"type": "integer"}, "max_questions": {"type": "integer"}},
    }
    return {
        "type": "object",
        "properties": {
            "intro": _string(),
            "budget": budget,
            "topics": {"type": "array", "items": topic},
            "closing": _string(),
        },
        "required": ["intro", "budget", "topics", "closing"],
    }


def _survey_item_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "id": SLUG,
            "question": _string(),
            "kind": {"type": "string", "enum": ["scale7", "yesno", "text"]},
            "low_label": _string(),
            "high_label": _string(),
        },
        "required": ["id", "question", "kind"],
    }


def _study_data(brief: Brief, drafted: dict[str, Any]) -> dict[str, Any]:
    """The tool's input, completed into study-file data (id, language, standard survey, access lists)."""
    data: dict[str, Any] = {"id": brief.study_id}
    for key in ("title", "audience", "language", "research_goal", "hypotheses", "consent", "screening"):
        if key in drafted:
            data[key] = drafted[key]
    data.setdefault("language", brief.language)
    data["plan"] = drafted.get("plan")
    language = data["language"] if isinstance(data["language"], str) else "en"
    data["survey"] = [item.model_dump() for item in standard_survey(language)]
    standard = {item.id for item in STANDARD_SURVEY}
    extra = drafted.get("extra_survey") or []
    data["survey"] += [i for i in extra if not (isinstance(i, dict) and i.get("id") in standard)]
    data["support"] = drafted.get("support")
    data["researchers"], data["organizers"] = [], []
    if drafted.get("invitation"):
        data["invitation"] = {"text": drafted["invitation"]}
    return data


def _brief_text(brief: Brief) -> str:
    hypotheses = "\n".join(f"- {h}" for h in brief.hypotheses) or "(none given; propose two or three)"
    return (
        f"Research goal: {brief.goal}\nAudience: {brief.audience}\nHypotheses:\n{hypotheses}\n"
        f"Interview length: {brief.minutes} minutes (plan.budget.minutes = {brief.minutes}).\n"
        f"Language: {brief.language}."
    )


async def draft_with_claude(brief: Brief, claude: PlanningClaude, source: str) -> tuple[Study, str]:
    """Ask Claude for the study; one retry with the validation problems. Returns the study and its YAML."""
    prompt = _brief_text(brief)
    problems: list[str] = []
    for _attempt in range(2):
        text = prompt
        if problems:
            text += (
                "\n\nYour previous draft did not validate. Write the whole study again, fixing these "
                "problems:\n" + "\n".join(f"- {p}" for p in problems)
            )
        drafted = await claude.call_tool(SYSTEM, [{"role": "user", "content": text}], study_tool())
        data = _study_data(brief, drafted)
        try:
            study = parse_study(data, source)
        except StudyError as exc:
            problems = exc.problems
            continue
        header = (
            f"# Drafted by Claude ({claude.model}) for review; read every question before approving.\n"
            f"# Check:  interviewer study check {source}   Review:  interviewer plan review {source}\n"
        )
        return study, header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    raise InterviewerUnavailable(
        "Claude's draft did not validate twice; problems: " + "; ".join(problems[:5])
    )


# ---- template ----------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML scalar for any text (a JSON string is valid YAML)."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


Topic = tuple[str, str, str, list[str], str, int]  # id, goal, question, probes, priority, follow-ups


def template_yaml(brief: Brief) -> str:
    """A commented study file to finish by hand, with the goal, audience and hypotheses filled in."""
    hypotheses = brief.hypotheses or []
    hyp_block = "".join(f"\n  - {_q(h)}" for h in hypotheses) or " []  # TODO: what you expect to find"
    return TEMPLATE.format(
        study_id=brief.study_id,
        title=_q(brief.study_id.replace("-", " ").capitalize()),
        audience=_q(brief.audience),
        language=brief.language,
        goal=_q(brief.goal),
        hyp_block=hyp_block,
        minutes=brief.minutes,
        max_questions=max(4, brief.minutes),
        topic_text=_topics_yaml(_template_topics(brief)),
    )


def _template_topics(brief: Brief) -> list[Topic]:
    """Context first, then one topic per hypothesis (or one on the goal), then the outlook."""
    topics: list[Topic] = [
        (
            "context",
            "The participant's work and where the subject of the study shows up in it.",
            "To start, what does a typical week of your work look like?",
            ["which parts of that week connect to the subject of this study"],
            "must",
            1,
        )
    ]
    for i, hypothesis in enumerate(brief.hypotheses or [], 1):
        topics.append(
            (
                f"hypothesis-{i}",
                f"Hear concrete experiences that could support or contradict: {hypothesis}",
                "Tell me about a recent situation at work where this came up for you.",
                ["What happened next?", "what the person did, and why"],
                "must" if i <= 2 else "should",
                2,
            )
        )
    if not brief.hypotheses:
        topics.append(
            (
                "experience",
                f"Concrete experiences that bear on the research goal: {brief.goal}",
                "Walk me through the last time this came up in your work.",
                ["What happened next?", "what the person did, and why"],
                "must",
                2,
            )
        )
    outlook = "Looking ahead, what do you expect to change in this part of your work?"
    topics.append(
        (
            "outlook",
            "How the person expects things to change.",
            outlook,
            ["what they would keep the same"],
            "could",
            1,
        )
    )
    return topics


def _topics_yaml(topics: list[Topic]) -> str:
    text = ""
    for tid, goal, question, probes, priority, followups in topics:
        probe_lines = "\n".join(f"        - {_q(p)}" for p in probes)
        text += (
            f"    - id: {tid}\n"
            f"      goal: {_q(goal)}\n"
            f"      # TODO: rewrite as one open question about a recent, concrete experience\n"
            f"      question: {_q(question)}\n"
            f"      probes:  # notes to listen for; a probe ending in '?' may be asked as written\n"
            f"{probe_lines}\n"
            f"      priority: {priority}\n"
            f"      max_followups: {followups}\n"
        )
    return text


TEMPLATE = """\
# A study template drafted by `interviewer plan draft` (no ANTHROPIC_API_KEY set, so no Claude draft).
# Fill in every TODO, then:  interviewer study check <file>   and   interviewer plan review <file>
# studies/README.md describes every field.

id: {study_id}  # must equal the file name without .yaml
title: {title}  # TODO: a short title researchers recognise
audience: {audience}
language: {language}

# The interviewer reads these; participants never see them.
research_goal: {goal}
hypotheses:{hyp_block}

consent:
  # TODO: say what the study is about in one sentence, in words participants use.
  text: >-
    Hi! This is a research study. An AI interviewer will ask you some open questions; it takes about
    {minutes} minutes and you can answer whenever it suits you. Taking part is voluntary and you may
    skip any question. Type `pause` to take a break, `stop` to end, or `withdraw` at any time to leave the
    study, which deletes everything you said. Transcripts are pseudonymised. Do you agree to take part?
  release_question: May we publish your anonymised transcript for research? You can say no and still take part.

# Optional questions after consent; a `group: true` choice question splits the analysis.
screening: []

plan:
  intro: >-
    Thanks for taking part. I am an AI interviewer and will ask about your own experience. There are no
    right or wrong answers, and short answers are fine.
  budget:
    minutes: {minutes}        # about 1.5 min per core question plus 0.5 min per follow-up
    max_questions: {max_questions}
  topics:   # must topics first; the interviewer closes when the budget runs out
{topic_text}  closing: Thank you, that is all my questions. A few quick rating questions follow.

# The three standard survey items are added automatically; add your own in a `survey:` list.

support: >-
  Thank you for sharing this. If anything here weighs on you, please talk to someone you trust or a local
  helpline. You can type `pause` at any time and come back later.

researchers: []  # e.g. slack:U0123ABCD, discord:123456789012345678
organizers: []

invitation:
  text: >-
    Hi! We are running a short research interview. An AI interviewer asks a few open questions in this
    chat; it takes about {minutes} minutes and you can answer at your own pace.
"""


def draft_template(brief: Brief, source: str) -> tuple[Study, str]:
    text = template_yaml(brief)
    return parse_study(yaml.safe_load(text), source), text
