"""Plan review: rule-based checks of a study's questions, flow and budget, plus Claude's critique on request.

Every finding says where it is (a study-file path such as `plan.topics[2].question`), what is wrong and
how to fix it. The rules are deliberately simple and explainable; they point a researcher at wording to
look at again, they do not grade the study.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from bot.studies.planning.claude import CRITIQUE, PlanningClaude
from bot.studies.planning.words import content_stems, tokens
from bot.studies.study import Study, Topic

CORE_MINUTES = 1.5  # a core question with its answer, in a chat
FOLLOWUP_MINUTES = 0.5  # each follow-up budgeted on top
BUDGET_SLACK = 1.1  # follow-ups are a ceiling, not a quota: flag only plans clearly over budget
LONG_WORD = 16  # letters; longer words are hard going in a chat message

LEADING = (
    re.compile(
        r"\b(don'?t|do not|wouldn'?t|would not|isn'?t|aren'?t|wasn'?t|didn'?t|won'?t)\s+(you|it|that|they|this)\b"
    ),
    re.compile(r"\bwould you agree\b"),
    re.compile(r"\bhow much (do|did|does) (you|they) (love|like|enjoy|hate|appreciate|value)\b"),
    re.compile(
        r"\bhow (great|wonderful|amazing|terrible|awful|frustrating|annoying|helpful|useful|easy|hard|bad|good) (is|was|are|were|has|have)\b"
    ),
    re.compile(r"\b(surely|obviously|of course|clearly|everyone knows)\b"),
)
YES_NO_OPENERS = frozenset(
    "do does did is are was were have has had can could would will should shall am".split()
)
# "Could you tell me ..." is a polite request for a story, not a yes/no question.
REQUEST_VERBS = frozenset(
    "tell describe walk give share explain talk say show recall remember name list expand elaborate "
    "think picture imagine".split()
)
SECOND_ASK = re.compile(
    r"\b(and|or)\s+(what|how|why|when|where|who|which|do|does|did|is|are|was|were|would|will|can|could|"
    r"have|has)\b",
    re.IGNORECASE,
)
JARGON = frozenset(
    """
    synergy synergies leverage leveraging paradigm operationalise operationalize stakeholder stakeholders
    ideation bandwidth holistic actionable utilise utilize utilisation utilization deliverables
    affordance affordances heuristic heuristics modality modalities ontology epistemic praxis
    scaffolding onboarding workflows kpi kpis roi
    """.split()
)


@dataclass(frozen=True)
class Finding:
    """One problem in a plan: where it is, what is wrong, and a suggested fix."""

    where: str
    problem: str
    suggestion: str
    source: str = "rules"  # rules | claude


def review(study: Study) -> list[Finding]:
    """All rule-based findings for a study, in file order, then the plan-wide ones."""
    findings: list[Finding] = []
    for where, text in _questions(study):
        findings.extend(_check_question(where, text))
    findings.extend(_check_budget(study))
    findings.extend(_check_goals(study))
    findings.extend(_check_order(study))
    findings.extend(_check_promises(study))
    return findings


def _questions(study: Study) -> Iterator[tuple[str, str]]:
    """Every question a participant may read as written: core questions and probes ending in '?'."""

    def of(prefix: str, topics: list[Topic]) -> Iterator[tuple[str, str]]:
        for i, topic in enumerate(topics):
            yield f"{prefix}[{i}] ({topic.id}).question", topic.question
            for j, probe in enumerate(topic.probes):
                if probe.rstrip().endswith("?"):
                    yield f"{prefix}[{i}] ({topic.id}).probes[{j}]", probe

    yield from of("plan.topics", study.plan.topics)
    for w, wave in enumerate(study.schedule.waves):
        yield from of(f"schedule.waves[{w}].topics", wave.topics)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s.strip()]


def _check_question(where: str, text: str) -> Iterator[Finding]:
    low = text.lower()
    asks = [s for s in _sentences(text) if s.endswith("?")]
    for pattern in LEADING:
        match = pattern.search(low)
        if match:
            yield Finding(
                where,
                f"leading wording ({match.group(0)!r}) suggests the answer: {text!r}",
                "Ask without an assumption, e.g. 'What was that like for you?' or 'How do you see it?'",
            )
            break
    for ask in asks:
        words = tokens(ask)
        if len(words) >= 2 and words[0] in YES_NO_OPENERS:
            polite = words[0] in ("can", "could", "would", "will") and words[1] == "you"
            if polite and len(words) > 2 and words[2] in REQUEST_VERBS | {"please"}:
                continue
            rest = ask[0].lower() + ask[1:]
            yield Finding(
                where,
                f"yes/no question ({ask!r}) invites a one-word answer",
                f"Open it up, e.g. 'How, if at all, {rest}' or 'Tell me about a time when ...'",
            )
    if text.count("?") > 1:
        yield Finding(
            where,
            f"double-barrelled: {text.count('?')} questions in one message",
            "Keep one question here and move the other into a probe or a topic of its own",
        )
    else:
        match = SECOND_ASK.search(asks[-1] if asks else text)
        if match:
            yield Finding(
                where,
                f"double-barrelled: '{match.group(0)}' joins two asks in one question",
                "Split it: keep the first ask as the question and make the second a probe",
            )
    jargon = sorted({w for w in tokens(text) if w in JARGON or len(w) >= LONG_WORD})
    if jargon:
        yield Finding(
            where,
            f"jargon or long words participants may trip over: {', '.join(jargon)}",
            "Use the words your participants use at work; say what you mean in plain terms",
        )


def estimated_minutes(topics: list[Topic]) -> float:
    """Rough interview time for these topics if every follow-up is used."""
    return sum(CORE_MINUTES + FOLLOWUP_MINUTES * t.max_followups for t in topics)


def _check_budget(study: Study) -> Iterator[Finding]:
    budget = study.plan.budget
    essential = [t for t in study.plan.topics if t.priority != "could"]
    must = [t for t in study.plan.topics if t.priority == "must"]
    minutes = estimated_minutes(essential)
    if minutes > budget.minutes * BUDGET_SLACK:
        yield Finding(
            "plan.budget.minutes",
            f"the must and should topics need about {minutes:.0f} min with their follow-ups, "
            f"more than the {budget.minutes} min budget",
            f"Drop or demote topics to 'could', lower max_followups, or raise the budget to "
            f"{int(minutes + 0.999)} min",
        )
    questions = sum(1 + t.max_followups for t in must)
    if questions > budget.max_questions:
        yield Finding(
            "plan.budget.max_questions",
            f"the must topics alone may take {questions} questions, more than max_questions "
            f"({budget.max_questions}); later must topics would be cut",
            "Lower the must topics' max_followups, demote one to 'should', or raise max_questions",
        )


def _topic_stems(topic: Topic) -> set[str]:
    return content_stems(" ".join([topic.id.replace("-", " "), topic.goal, topic.question, *topic.probes]))


def _check_goals(study: Study) -> Iterator[Finding]:
    topics = [_topic_stems(t) for t in study.plan.topics]
    everything = set().union(*topics)
    for i, hypothesis in enumerate(study.hypotheses):
        stems = content_stems(hypothesis)
        # addressed when one topic shares at least two meaningful words (one for very short hypotheses)
        need = min(2, len(stems))
        if stems and not any(len(stems & t) >= need for t in topics):
            yield Finding(
                f"hypotheses[{i}]",
                f"no topic addresses this hypothesis: {hypothesis!r}",
                "Add a topic (or probes in an existing one) whose goal and questions let people tell "
                "stories that could support or contradict it",
            )
    for clause in re.split(r"[,;:]|\band\b", study.research_goal):
        stems = content_stems(clause)
        if len(stems) >= 2 and not stems & everything:
            yield Finding(
                "research_goal",
                f"no topic addresses this part of the research goal: {clause.strip()!r}",
                "Add a topic for it, or narrow the research goal to what the plan asks about",
            )


def _check_order(study: Study) -> Iterator[Finding]:
    seen_optional: Topic | None = None
    for i, topic in enumerate(study.plan.topics):
        if topic.priority != "must" and seen_optional is None:
            seen_optional = topic
        elif topic.priority == "must" and seen_optional is not None:
            yield Finding(
                f"plan.topics[{i}] ({topic.id}).priority",
                f"must topic {topic.id!r} comes after {seen_optional.priority} topic {seen_optional.id!r}; "
                "if time runs short it is asked late or hurried",
                f"Move {topic.id!r} above {seen_optional.id!r} in the file",
            )


NUMBERS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten".split(), start=1)}
_COUNT = r"(\d+|" + "|".join(NUMBERS) + r")"
# "three quick rating questions follow", "4 survey questions": a count of the survey's items
SURVEY_COUNT = re.compile(
    _COUNT + r"\s+(?:(?:short|quick|brief|final|last|more)\s+)*(?:rating|survey)\s+questions?\b"
)
# "about 12 minutes", "takes 10-15 minutes": the time a participant is told the interview takes
MINUTES = re.compile(r"\b(\d+)(?:\s*(?:-|–|to)\s*(\d+))?\s*(?:min|mins|minutes)\b")
MINUTES_OFF = 0.5  # told less than half, or more than one and a half times, the plan's budget


def _check_promises(study: Study) -> Iterator[Finding]:
    """What participants are told (time, number of rating questions) against what the plan does: consent
    given for a 5-minute chat is not consent to 15 minutes. English wording only."""
    if not study.language.lower().startswith("en"):
        return
    told = [("plan.intro", study.plan.intro), ("consent.text", study.consent.text)]
    if study.invitation is not None:
        told.append(("invitation.text", study.invitation.text))
    budget = study.plan.budget.minutes
    for where, text in told:
        for found in MINUTES.finditer(text.lower()):
            low, high = int(found[1]), int(found[2] or found[1])
            if high < budget * (1 - MINUTES_OFF) or low > budget * (1 + MINUTES_OFF):
                yield Finding(
                    where,
                    f"tells participants {found[0]!r} while the plan's budget is {budget} min",
                    f"Say about {budget} minutes, or change plan.budget.minutes to what participants are told",
                )
    for found in SURVEY_COUNT.finditer(study.plan.closing.lower()):
        said = NUMBERS.get(found[1]) or int(found[1])
        if said != len(study.survey):
            yield Finding(
                "plan.closing",
                f"announces {found[0]!r} but the survey has {len(study.survey)}",
                "Give the survey's number of questions, or say 'a few quick rating questions'",
            )


CRITIQUE_TOOL = "record_findings"
CRITIQUE_SYSTEM = """\
You review interview plans for qualitative research run by an AI interviewer in chat DMs. Look for what
simple rules miss: questions that presume an answer, questions participants cannot answer from their own
experience, topics that do not serve the research goal or the hypotheses, a flow that jumps around,
wording the audience would not use, consent that omits something a participant should know. Report only
real problems, each with where it is (a study-file path such as plan.topics[2].question), the problem,
and a concrete rewrite. Report nothing if the plan is sound."""


async def critique(study: Study, claude: PlanningClaude) -> list[Finding]:
    """Claude's review of the plan; findings marked source='claude'."""
    tool = {
        "name": CRITIQUE_TOOL,
        "description": "Record the problems found in the plan (an empty list if none).",
        "input_schema": {
            "type": "object",
            "properties": {
                "findings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "where": {"type": "string"},
                            "problem": {"type": "string"},
                            "suggestion": {"type": "string"},
                        },
                        "required": ["where", "problem", "suggestion"],
                    },
                }
            },
            "required": ["findings"],
        },
    }
    content = yaml.safe_dump(
        study.model_dump(mode="json", exclude={"researchers", "organizers"}), sort_keys=False, width=100
    )
    data = await claude.call_tool(
        CRITIQUE_SYSTEM, [{"role": "user", "content": f"The study file:\n\n{content}"}], tool, use=CRITIQUE
    )
    found = data.get("findings")
    found = found if isinstance(found, list) else []
    return [
        Finding(str(f.get("where", "")), str(f.get("problem", "")), str(f.get("suggestion", "")), "claude")
        for f in found
        if isinstance(f, dict) and f.get("problem")
    ]
