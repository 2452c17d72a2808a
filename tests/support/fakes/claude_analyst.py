"""A rule-based stand-in for Claude answering the analysis tools, reading nothing but the request itself.

Set it as the fake server's `responder` and `batch_responder`. The task is recognised from the reply
schema the request carries (structured-output format or offered tool), as the model would. It reads the request the way the model
would: the participant answers from the <participant> tags of the user message, the codebook from the
<code> blocks of the system prompt, a theme's statements from <in_theme> and <nearby>. So a test that
plants a phrase in an interview and sees the right code come back proves what the request carried and
how the reply was parsed, not an echo of what the test told the fake.

- record_codes: a code is present when a participant answer contains its first example phrase (any
  case); its evidence is the sentence holding it, copied from the request, with a stance read from the
  sentence's opening words (`stance_of`).
- record_facets: one facet per turn: topic = the first four words of the question, statement = the
  first sentence of the answer.
- record_profile: an emotion is 4 when its cue word (EMOTION_CUES) occurs, with that sentence as
  evidence, else 1; role from ROLE_CUES, else none.
- name_theme: the most frequent word of 5+ letters in the theme's statements that no nearby statement
  has; the description names it too.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

EMOTION_CUES = {"satisfaction": "love", "frustration": "annoying", "worry": "worried", "trust": "rely on"}
ROLE_CUES = {"does it for me": "automation", "helps me": "augmentation"}


def user_text(body: dict[str, Any]) -> str:
    content = body["messages"][0]["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


def system_text(body: dict[str, Any]) -> str:
    system = body.get("system") or ""
    return system if isinstance(system, str) else "\n".join(b.get("text", "") for b in system)


def answers(body: dict[str, Any]) -> list[str]:
    return re.findall(r"<participant>(.*?)</participant>", user_text(body), re.S)


def sentence_with(texts: list[str], phrase: str) -> str | None:
    """The sentence holding `phrase` (any case), exactly as it stands in one of `texts`."""
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if phrase.lower() in sentence.lower():
                return sentence
    return None


def stance_of(sentence: str) -> str:
    """Like a reader would: "my colleague ..." is someone else's view, "if ..." hypothetical, "never" negated."""
    lowered = sentence.lower()
    if lowered.startswith(("my colleague", "my manager", "she ", "he ", "they ")):
        return "other_person"
    if lowered.startswith(("if ", "maybe ", "one day")):
        return "hypothetical"
    if " never " in f" {lowered} " or lowered.startswith("i do not"):
        return "negated"
    return "present"


def codebook(body: dict[str, Any]) -> dict[str, str]:
    """Code id -> its first example phrase, from the system prompt."""
    out = {}
    for code_id, block in re.findall(r'<code id="([^"]+)">(.*?)</code>', system_text(body), re.S):
        examples = block.split("examples:", 1)[1] if "examples:" in block else ""
        first = next((line[2:].strip() for line in examples.splitlines() if line.startswith("- ")), "")
        out[code_id] = first
    return out


def code_reply(body: dict[str, Any]) -> dict[str, Any]:
    said = answers(body)
    entries = []
    for code_id, phrase in codebook(body).items():
        evidence = sentence_with(said, phrase) if phrase else None
        present = evidence is not None
        entries.append(
            {
                "id": code_id,
                "present": present,
                "confidence": 0.9 if present else 0.8,
                "evidence": [{"quote": evidence, "stance": stance_of(evidence)}] if evidence else [],
            }
        )
    return {"codes": entries}


def facets_reply(body: dict[str, Any]) -> dict[str, Any]:
    turns = re.findall(
        r"<interviewer>(.*?)</interviewer>\s*<participant>(.*?)</participant>", user_text(body), re.S
    )
    facets = [
        {
            "topic": " ".join(question.rstrip("?").split()[:4]),
            "statement": re.split(r"(?<=[.!?])\s+", answer)[0],
        }
        for question, answer in turns
    ]
    return {"facets": facets}


def profile_reply(body: dict[str, Any]) -> dict[str, Any]:
    said = answers(body)
    emotions = {}
    for emotion, cue in EMOTION_CUES.items():
        evidence = sentence_with(said, cue)
        emotions[emotion] = {"intensity": 4 if evidence else 1, "evidence": evidence or ""}
    role = next((r for cue, r in ROLE_CUES.items() if sentence_with(said, cue)), "none")
    return {"emotions": emotions, "role": role}


def _section(text: str, tag: str) -> str:
    found = re.search(rf"<{tag}>(.*?)</{tag}>", text, re.S)
    return found.group(1) if found else ""


def name_reply(body: dict[str, Any]) -> dict[str, Any]:
    text = user_text(body)
    inside = re.findall(r"[a-z]{5,}", _section(text, "in_theme").lower())
    near = set(re.findall(r"[a-z]{5,}", _section(text, "nearby").lower()))
    counts = Counter(word for word in inside if word not in near)
    word = counts.most_common(1)[0][0] if counts else "miscellany"
    return {"name": f"{word.capitalize()} concerns", "description": f"Participants talk about {word}."}


REPLIES = {
    "record_codes": code_reply,
    "record_facets": facets_reply,
    "record_profile": profile_reply,
    "name_theme": name_reply,
}


SHAPES = {
    "codes": "record_codes",
    "facets": "record_facets",
    "emotions": "record_profile",
    "name": "name_theme",
}


def schema_of(body: dict[str, Any]) -> dict[str, Any]:
    """The reply schema the request carries: structured-output format, or the offered tool's input schema."""
    form = (body.get("output_config") or {}).get("format")
    if form:
        return form["schema"]
    return body["tools"][0]["input_schema"]


def analyst(body: dict[str, Any]) -> dict[str, Any]:
    """The answer for whichever analysis task the request's reply schema describes."""
    properties = schema_of(body)["properties"]
    task = next(SHAPES[key] for key in SHAPES if key in properties)
    return REPLIES[task](body)
