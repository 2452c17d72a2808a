"""Offline coding reads stance: a denial, a wish or someone else's view is not the participant's own code.

The rules are in bot/analysis/stance.py; coding applies them to the clause of a passage most like the
code, and a code's `counts` field says which other stances it accepts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.analysis import calibrate, coding
from bot.analysis.codebook import load_codebook
from bot.analysis.corpus import segments
from bot.analysis.embed import CachedEmbedder, MiniLMEmbedder
from bot.analysis.model import Code, Doc
from bot.analysis.stance import clauses, counted, stance

ISSUE = "for writing, I think I write well enough that an AI wouldn't really help me"


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        (ISSUE, "negated"),
        ("I don't use it for writing", "negated"),
        ("It never gets the dates right", "negated"),
        ("If it could write my reports, I'd use it every day", "hypothetical"),
        ("I'd like it to handle my scheduling", "hypothetical"),
        ("Maybe one day it will draft my lesson plans", "hypothetical"),
        ("My colleagues worry that it makes things up", "others"),
        ("Some of my students think it's cheating", "others"),
        ("People here look down on anyone who relies on a chatbot", "others"),
        ("I use Claude every day to draft emails", "present"),
        ("When I don't understand something technical I ask it to explain it", "present"),
        ("It once invented a source that didn't exist", "present"),
        ("Not only does it save time, it helps me think", "present"),
        ("I'd say it helps me a lot with emails", "present"),
        ("Honestly I'm scared that AI will take my job and I'll have nothing to fall back on", "present"),
    ],
)
def test_stance_of_a_clause(clause: str, expected: str) -> None:
    assert stance(clause) == expected


def test_a_contrast_splits_a_sentence_into_clauses_with_their_own_stance() -> None:
    parts = clauses("I don't use it for writing, but I do use it for code reviews. It's fast; I like it.")
    assert parts == ["I don't use it for writing", "I do use it for code reviews.", "It's fast, I like it."]
    assert [stance(p) for p in parts[:2]] == ["negated", "present"]


def test_a_code_counts_only_the_stances_it_lists() -> None:
    assert counted("present", []) and not counted("negated", []) and not counted("others", [])
    assert counted("negated", ["negated"]) and not counted("hypothetical", ["negated"])


WRITING = Code(
    "writing",
    "Uses AI for writing",
    "The participant uses AI tools to draft, edit or improve their own writing at work.",
    include=["drafting emails, reports or documents with AI", "editing or polishing text with AI"],
    examples=[
        "I have it draft my emails and then I edit them.",
        "AI writes the first version of my reports.",
    ],
)
OTHER = Code(
    "meetings",
    "Meetings",
    "The participant talks about how meetings at work are run.",
    examples=["Our weekly meeting runs too long."],
)
FILLER = [
    "I usually start the day by checking my calendar and planning what needs doing first.",
    "Our team meets on Monday mornings to go over the week ahead.",
    "The building I work in was renovated last year, and the new rooms are much brighter.",
    "I've been in this line of work for about eleven years now and still enjoy it.",
    "My commute is short, so I often walk to work when the weather is good.",
    "We moved to a new scheduling system recently and everyone is still getting used to it.",
]
AFFIRMED = [
    "I have AI draft nearly all my emails and reports now, and then I edit what it wrote.",
    "Every week I use ChatGPT to polish the wording of my documents before I send them.",
    "The first draft of most of my writing at work comes from the AI these days.",
]
NOT_AFFIRMED = [
    ISSUE + ".",
    "My colleagues use AI to write all their reports, and they say it saves them hours.",
    "I'd like it to write my reports one day, if it ever understood our style.",
]


def _doc(code: str, answers: list[str]) -> Doc:
    turns = [("interviewer", "How does your week go?")]
    for answer in answers:
        turns += [("participant", answer), ("interviewer", "Tell me more.")]
    return Doc(code=code, segments=segments(code, turns))


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> CachedEmbedder:
    return CachedEmbedder(MiniLMEmbedder(), tmp_path_factory.mktemp("stance-cache"))


def _corpus() -> list[Doc]:
    docs = [_doc(f"plain{n}", [FILLER[(n + k) % len(FILLER)] for k in range(4)]) for n in range(40)]
    docs += [_doc(f"yes{n}", [FILLER[n], s, FILLER[n + 1]]) for n, s in enumerate(AFFIRMED)]
    docs += [_doc(f"no{n}", [FILLER[n], s, FILLER[n + 1]]) for n, s in enumerate(NOT_AFFIRMED)]
    return docs


def test_the_issue_sentence_is_not_coded_as_using_ai_for_writing(embedder: CachedEmbedder) -> None:
    """Its topic is AI and writing, but it says AI would not help: the code is absent; affirmations count."""
    docs = _corpus()
    scores = coding.score(docs, [WRITING, OTHER], embedder)
    present = dict(zip(scores.interviews, scores.present()[:, 0].tolist(), strict=True))
    assert [present[f"yes{n}"] for n in range(3)] == [True, True, True]
    assert [present[f"no{n}"] for n in range(3)] == [False, False, False]
    assert sum(present[f"plain{n}"] for n in range(40)) <= 2  # unrelated interviews rarely pass
    evidence = scores.evidence("yes0", "writing")
    assert evidence and "draft" in evidence[0]


def test_a_code_that_counts_other_peoples_views_codes_them(embedder: CachedEmbedder) -> None:
    others = Code(**{**WRITING.__dict__, "counts": ["others"]})
    scores = coding.score(_corpus(), [others, OTHER], embedder)
    present = dict(zip(scores.interviews, scores.present()[:, 0].tolist(), strict=True))
    assert present["no1"] and not present["no0"] and not present["no2"]


def test_the_counts_field_is_read_from_the_codebook_and_checked(tmp_path: Path) -> None:
    from bot.errors import AnalysisInputError

    entry = "codes:\n  - id: secure\n    label: Secure\n    definition: Feels their job is safe from AI.\n"
    (tmp_path / "ok.yaml").write_text(entry + "    counts: [negated, hypothetical]\n", encoding="utf-8")
    assert load_codebook(tmp_path / "ok.yaml")[0].counts == ["negated", "hypothetical"]
    (tmp_path / "bad.yaml").write_text(entry + "    counts: [denied]\n", encoding="utf-8")
    with pytest.raises(AnalysisInputError, match=r"field 'counts'.*negated, hypothetical, others"):
        load_codebook(tmp_path / "bad.yaml")


def test_share_and_kappa_cuts_on_a_hand_worked_example() -> None:
    margins = np.array([3.0, 2.0, 1.0, 0.5, -1.0, -2.0])
    y = np.array([True, True, False, True, False, False])
    assert calibrate.share_cut(margins, y) == pytest.approx(0.75)  # 3 of 6 present: between 1.0 and 0.5
    # 1.5 and -0.25 both reach kappa 2/3 (5 of 6 right); the tie goes to the cut nearer the share cut
    assert calibrate.kappa_cut(margins, y) == pytest.approx(1.5)
    assert calibrate.share_cut(margins, np.zeros(6, dtype=bool)) > 3.0


def test_claude_coding_counts_the_stances_a_code_lists_and_only_those() -> None:
    """Claude marks each verbatim span's stance; a negated span counts only for a code that counts negated."""
    from types import SimpleNamespace

    from bot.analysis.claude.prompts import codebook_text
    from bot.analysis.claude.replies import parse_codes

    said = "I'm not worried about my job at all, clients pay for my judgement"
    doc = _doc("p1", [said])
    secure = Code("secure", "Secure", "Feels their job is safe from AI.", counts=["negated"])
    anxiety = Code("anxiety", "Anxious", "Worries AI will take their job.")
    span = {"quote": "I'm not worried about my job at all", "stance": "negated"}
    reply = {
        "codes": [
            {"id": "secure", "present": True, "confidence": 0.9, "evidence": [span]},
            {"id": "anxiety", "present": True, "confidence": 0.6, "evidence": [span]},
        ]
    }
    block = SimpleNamespace(type="tool_use", name="record_codes", input=reply)
    message = SimpleNamespace(stop_reason="tool_use", content=[block])
    coded = {a.code: a for a in parse_codes(message, doc, [secure, anxiety])}
    assert coded["secure"].present and coded["secure"].evidence == ["I'm not worried about my job at all"]
    assert not coded["anxiety"].present and coded["anxiety"].evidence == []
    assert "also present with stance: negated" in codebook_text([secure, anxiety])
    assert codebook_text([anxiety]).count("also present") == 0


def test_stance_read_a_few_clauses_at_a_time_is_the_same(
    embedder: CachedEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clauses are embedded in chunks and only their similarity to each code is kept."""
    docs = _corpus()
    whole = coding.score(docs, [WRITING, OTHER], embedder)
    monkeypatch.setattr(coding, "CLAUSES", 3)
    chunked = coding.score(docs, [WRITING, OTHER], embedder)
    assert np.array_equal(whole.margin, chunked.margin)
    assert whole.candidates == chunked.candidates


def test_forgotten_vectors_leave_memory_but_stay_on_disk(embedder: CachedEmbedder, tmp_path: Path) -> None:
    store = CachedEmbedder(embedder.inner, tmp_path)
    store.encode(["the first clause of a passage", "the second clause of it"])
    store.forget(["the first clause of a passage"])
    store.encode(["the first clause of a passage", "the second clause of it"])
    assert store.encoded == 3  # the forgotten one was embedded again, the other one was not
    fresh = CachedEmbedder(embedder.inner, tmp_path)  # a next run reads both from the files
    fresh.encode(["the first clause of a passage", "the second clause of it"])
    assert fresh.encoded == 0


def test_only_clauses_of_passages_with_mixed_stances_are_embedded(embedder: CachedEmbedder) -> None:
    """Which clause is closest to a code matters only where the clauses' stances differ."""
    mixed = "I don't use it for my emails, but I do use it to draft my weekly reports every Friday."
    uniform = "I use it to draft my weekly reports, but I also use it to tidy my emails before they go out."
    assert len({stance(c) for c in clauses(mixed)}) > 1
    assert len(clauses(uniform)) > 1 and {stance(c) for c in clauses(uniform)} == {"present"}
    docs = [*_corpus(), _doc("mixed", [mixed]), _doc("uniform", [uniform])]
    seen: list[str] = []

    class Recording:
        name = embedder.name

        def encode(self, texts: list[str]) -> np.ndarray:
            seen.extend(texts)
            return embedder.encode(texts)

    idx = coding.index(docs, embedder)
    read = {i for i, p in enumerate(idx.items) if p.interview in ("mixed", "uniform")}
    centres = coding.centroids([WRITING, OTHER], embedder)
    stances = coding._stances(idx, read, [WRITING, OTHER], Recording(), centres)
    assert set(seen) == set(clauses(mixed))  # the uniform passage's clauses were never embedded
    by_interview = {idx.items[i].interview: s for i, s in stances.items()}
    assert by_interview["uniform"] == ["present", "present"]
    assert by_interview["mixed"][0] == "present"  # the reports clause is the one about writing
