"""What the Claude analysis sends: instructions, the JSON schemas that shape each reply, and how an
interview, a codebook and a theme's examples are written into a request.

Each stage asks for one structured reply (`bot.claude.shape`: structured outputs, or a tool where the
model lacks them); the instructions (and, for coding, the codebook) form a prefix that is the same for
every interview and is marked for prompt caching.
"""

from __future__ import annotations

from typing import Any

from bot.analysis.model import Code, Doc, Segment

EMOTIONS = ("satisfaction", "frustration", "worry", "trust")
ROLES = ("augmentation", "automation", "none")
MAX_EVIDENCE = 3
MAX_FACETS = 12

_SHARED = (
    "You analyse transcripts of qualitative research interviews for a researcher. Each transcript lists "
    "the turns as <interviewer> questions and <participant> answers. Judge only what the participant "
    "says; the interviewer's questions are context, never evidence. Whenever you quote, copy the "
    "participant's words exactly, character for character, from one <participant> answer (no "
    "paraphrase, no ellipsis, no added words): quotes that are not verbatim are discarded."
)

FACETS_RULES = (
    _SHARED + "\n\nTask: list the facets of this interview: for each topic the participant talks about, "
    "one short statement of what they said about it, in their own terms (at most 30 words, third "
    "person, no interpretation beyond what they said). Use a short topic label of 2-5 words. List at "
    f"most {MAX_FACETS} facets, most substantial first; list none if the participant said nothing of "
    "substance."
)

CODING_RULES = (
    _SHARED + "\n\nTask: code the interview against every code of the codebook below. A code is present "
    "when the participant's answers meet its definition and include rules and none of its exclude "
    "rules; the examples show typical wording. For every code give present (true or false), your "
    "confidence in that judgement from 0 to 1, and 1 to 3 short verbatim evidence spans (5-40 words "
    "each) from the participant's answers, each with its stance: present (the participant says this "
    "applies to them), negated (they say it does not), hypothetical (it might, would or could happen), "
    "other_person (it is about someone else's experience or view). A code is present only with at "
    "least one span whose stance is present, or a stance the code lists under 'also present with "
    "stance'; give no evidence for a code with nothing relevant."
)

PROFILE_RULES = (
    _SHARED + "\n\nTask: rate how intensely the participant expresses each emotion about the subject of "
    "the interview (satisfaction, frustration, worry, trust) on a 1-5 scale: 1 not at all, 2 slightly, "
    "3 moderately, 4 strongly, 5 very strongly. For each rating above 1 give one short verbatim "
    "evidence span (5-40 words); for a 1 give an empty string. Then say how the participant describes "
    "AI's role in their work: augmentation (AI helps them do the work, they stay in charge: "
    "collaborating, iterating, learning, checking), automation (AI does tasks for them with little "
    "involvement: delegating whole tasks), or none (they do not describe AI's role in their work)."
)

NAMING_RULES = (
    "You name themes found by clustering statements from qualitative research interviews. You get "
    "statements inside the theme and, for contrast, statements from nearby themes. Give the theme a "
    "short name (2-6 words) and a one-sentence description (at most 30 words) that fit the statements "
    "inside it and tell it apart from the nearby ones. Use the participants' vocabulary; do not "
    "speculate beyond the statements."
)


STANCES = ("present", "negated", "hypothetical", "other_person")
PRESENT_STANCES = ("present",)  # the stances that mean the code applies to the participant


def present_stances(code: Code) -> tuple[str, ...]:
    """The stances that count for this code: present, and those its `counts` field adds."""
    return PRESENT_STANCES + tuple("other_person" if c == "others" else c for c in code.counts)


def _evidence_schema() -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "quote": {"type": "string", "description": "Verbatim words from one participant answer."},
                "stance": {"type": "string", "enum": list(STANCES)},
            },
            "required": ["quote", "stance"],
        },
        "maxItems": MAX_EVIDENCE,
        "description": "Verbatim spans from the participant's answers, each with its stance.",
    }


FACETS_TOOL: dict[str, Any] = {
    "name": "record_facets",
    "description": "Record the facets of one interview.",
    "input_schema": {
        "type": "object",
        "properties": {
            "facets": {
                "type": "array",
                "maxItems": MAX_FACETS,
                "items": {
                    "type": "object",
                    "properties": {
                        "topic": {"type": "string", "description": "2-5 word topic label"},
                        "statement": {"type": "string", "description": "what the participant said"},
                    },
                    "required": ["topic", "statement"],
                },
            }
        },
        "required": ["facets"],
    },
}

PROFILE_TOOL: dict[str, Any] = {
    "name": "record_profile",
    "description": "Record the emotion ratings and the role of AI for one interview.",
    "input_schema": {
        "type": "object",
        "properties": {
            "emotions": {
                "type": "object",
                "properties": {
                    emotion: {
                        "type": "object",
                        "properties": {
                            "intensity": {"type": "integer", "minimum": 1, "maximum": 5},
                            "evidence": {"type": "string"},
                        },
                        "required": ["intensity", "evidence"],
                    }
                    for emotion in EMOTIONS
                },
                "required": list(EMOTIONS),
            },
            "role": {"type": "string", "enum": list(ROLES)},
        },
        "required": ["emotions", "role"],
    },
}

NAMING_TOOL: dict[str, Any] = {
    "name": "name_theme",
    "description": "Record the theme's name and description.",
    "input_schema": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "2-6 words"},
            "description": {"type": "string", "description": "one sentence"},
        },
        "required": ["name", "description"],
    },
}


def coding_tool(codebook: list[Code]) -> dict[str, Any]:
    """The coding tool; the code ids are an enum, so the schema (and the cached prefix) is per codebook."""
    return {
        "name": "record_codes",
        "description": "Record, for every code of the codebook, whether the interview has it.",
        "input_schema": {
            "type": "object",
            "properties": {
                "codes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string", "enum": [code.id for code in codebook]},
                            "present": {"type": "boolean"},
                            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                            "evidence": _evidence_schema(),
                        },
                        "required": ["id", "present", "confidence", "evidence"],
                    },
                }
            },
            "required": ["codes"],
        },
    }


def _items(title: str, values: list[str]) -> list[str]:
    return [f"{title}:", *(f"- {value}" for value in values)] if values else []


def codebook_text(codebook: list[Code]) -> str:
    lines = ["<codebook>"]
    for code in codebook:
        lines += [f'<code id="{code.id}">', f"label: {code.label}", f"definition: {code.definition}"]
        lines += _items("include", code.include) + _items("exclude", code.exclude)
        lines += _items("examples", code.examples)
        if code.counts:  # the stances this code also counts as present, beside "present"
            also = ", ".join("other_person" if c == "others" else c for c in code.counts)
            lines.append(f"also present with stance: {also}")
        lines.append("</code>")
    return "\n".join(lines + ["</codebook>"])


def transcript(doc: Doc) -> str:
    """The interview as the model reads it; answers are copied unchanged so quotes can be checked."""
    turns = [
        f'<turn n="{n}">\n<interviewer>{segment.question.strip() or "(no question)"}</interviewer>\n'
        f"<participant>{segment.answer}</participant>\n</turn>"
        for n, segment in enumerate(doc.segments, 1)
    ]
    return "<interview>\n" + "\n".join(turns) + "\n</interview>"


def examples_text(members: list[Segment], nearby: list[Segment], limit: int, chars: int) -> str:
    """A theme's statements and its neighbours', each cut to `chars` characters."""

    def block(tag: str, segments: list[Segment]) -> str:
        rows = [f"- {s.answer.strip()[:chars]}" for s in segments[:limit] if s.answer.strip()]
        return f"<{tag}>\n" + ("\n".join(rows) or "(none)") + f"\n</{tag}>"

    return block("in_theme", members) + "\n" + block("nearby", nearby)
