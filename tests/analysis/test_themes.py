"""Themes about what participants said, not about the interview; emotions only where they are measured.

Stated properties: answers to each interview's opening and closing question, and to questions a codebook
marks `procedural`, never reach a theme; offline themes are named by a phrase from their own answers, no
two alike; near-duplicate clusters are merged and distinct ones kept; the offline analysis rates no
emotions and says why; the bfloat16 embedder's vectors are within cosine 0.98 of the float32 ones.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.analysis import report, themes
from bot.analysis.codebook import read_codebook
from bot.analysis.embed import CachedEmbedder, MiniLMEmbedder
from bot.analysis.model import Doc, Segment, Theme
from bot.analysis.pipeline import analyze, discover_themes, offline_toolkit
from bot.errors import AnalysisInputError
from tests.support.synth import CODEBOOK, QUESTIONS, THEMES, Synthetic, generate

OPENING = "No questions from me, I am ready to begin whenever you are, thanks for having me today."
CLOSING = "No, I think that covers everything I wanted to say, thank you for the interesting questions."


@pytest.fixture(scope="module")
def model() -> MiniLMEmbedder:
    return MiniLMEmbedder("float32")


@pytest.fixture(scope="module")
def synthetic() -> Synthetic:
    """Synthetic interviews whose opening and closing answers are long enough to form a theme of their own."""
    data = generate(per_group=20, seed=11)
    for doc in data.docs:
        first, last = doc.segments[0], doc.segments[-1]
        closing = Segment(doc.code, last.index + 1, "Thank you! Anything else before we finish?", CLOSING)
        doc.segments = [replace(first, answer=OPENING), *doc.segments[1:], closing]
    return data


def _discover(docs: list[Doc], embedder: CachedEmbedder, cache: Path, **kw) -> list[Theme]:  # type: ignore[no-untyped-def]
    return asyncio.run(
        discover_themes(docs, toolkit=offline_toolkit(embedder), embedder=embedder, cache_dir=cache, **kw)
    )


def _source(docs: list[Doc], interview: str, quote: str) -> Segment | None:
    """The answer a quote was cut from (None where redaction changed the quote's words)."""
    doc = next(d for d in docs if d.code == interview)
    return next((s for s in doc.segments if quote in s.answer), None)


def test_opening_closing_and_procedural_answers_are_found_per_interview() -> None:
    doc = Doc(
        "p1",
        segments=[
            Segment("p1", 0, "Hello! Any questions before we begin?", "None, go ahead."),
            Segment("p1", 1, "How do you use AI at work?", "For drafting emails."),
            Segment("p1", 2, "How do you use AI at work?", "And for summaries."),
            Segment("p1", 3, "Could you  CONFIRM your role for our records?", "I am a nurse."),
            Segment("p1", 4, "What worries you?", "Being replaced."),
            Segment("p1", 5, "Anything else to add?", "No."),
        ],
    )
    assert themes.procedural_answers([doc]) == {("p1", 0), ("p1", 5)}
    marked = themes.procedural_answers([doc], ["confirm your role"])
    assert marked == {("p1", 0), ("p1", 3), ("p1", 5)}  # case and spacing do not matter


def test_themes_leave_out_opening_closing_and_procedural_answers(
    synthetic: Synthetic, model: MiniLMEmbedder, tmp_path: Path
) -> None:
    embedder = CachedEmbedder(model, tmp_path)
    found = _discover(synthetic.docs, embedder, tmp_path)
    quoted = [q.text for t in found for q in t.quotes]
    assert quoted and OPENING not in quoted and CLOSING not in quoted
    names = " ".join(t.name for t in found).lower()
    assert "questions" not in names and "begin" not in names
    # marked procedural (in part, in capitals), the third question's answers leave the themes too
    marked = _discover(synthetic.docs, embedder, tmp_path, procedural=[QUESTIONS[2][:30].upper()])
    sources = [_source(synthetic.docs, q.interview, q.text) for t in marked for q in t.quotes]
    assert sources and all(s is None or s.question != QUESTIONS[2] for s in sources)
    sizes = [sum(t.size for t in result if t.parent is None) for result in (found, marked)]
    assert sizes[1] < sizes[0] <= 2 * len(synthetic.docs) * len(QUESTIONS)


def test_offline_themes_are_named_by_a_distinct_phrase_from_their_own_answers(
    synthetic: Synthetic, model: MiniLMEmbedder, tmp_path: Path
) -> None:
    """Where a theme's answers offer no unused phrase (a few filler sentences repeated), keywords name it."""
    found = _discover(synthetic.docs, CachedEmbedder(model, tmp_path), tmp_path)
    assert len({t.name for t in found}) == len(found)
    quoted = [t.name.strip("“”").rstrip("…") for t in found if t.name.startswith("“")]
    assert len(quoted) >= 0.75 * len(found)
    answers = [s.answer for d in synthetic.docs for s in d.segments]
    for phrase in quoted:
        assert 3 <= len(phrase.split()) <= themes.NAME_WORDS
        assert any(phrase.lower() in a.lower() for a in answers), phrase  # the participants' own words
    for planted in ("anxiety", "reliability", "learning"):  # the planted themes name themes of their own
        assert any(phrase.lower() in s.lower() for phrase in quoted for s in THEMES[planted]), planted
    assert all(t.description.startswith("Participants talk about") for t in found)


def test_a_phrase_with_a_number_never_names_a_theme(model: MiniLMEmbedder) -> None:
    """ "Give me 10 dishes unique to <town>" is the theme's most central phrase, but names it not."""
    answers = [
        "Give me 10 dishes unique to Iqaluit, that is what I typed into it last week.",
        "I ask it for recipes and menu ideas for the restaurant, then I adapt them to the season.",
        "Give me 12 dishes for a wedding menu, I asked, and it came back with ideas I could adapt.",
        "Menu ideas and recipes are what I use it for most, then I cook and adapt them myself.",
    ]
    members = [Segment(f"i{k}", 1, "What do you use AI for?", a) for k, a in enumerate(answers)]
    theme = Theme(id="t1", name="", description="", size=4, interviews=4, keywords=["menu"])
    [named] = asyncio.run(themes.OfflineNamer(model).name([theme], {"t1": members}, {}))
    assert named.name.startswith("“") and not any(ch.isdigit() for ch in named.name), named.name


def test_phrases_are_clauses_without_fillers_and_names_are_cut_with_an_ellipsis() -> None:
    text = "So honestly, I use it to draft emails to parents; it saves me time. Yeah. Um, that's it."
    assert themes.phrases(text) == ["I use it to draft emails to parents", "it saves me time"]
    assert (
        themes.shortened("it helps me plan lessons for the whole week ahead", 5)
        == "It helps me plan lessons…"
    )
    assert themes.shortened("checking every number twice") == "Checking every number twice"


def test_near_duplicate_clusters_are_merged_and_distinct_ones_kept() -> None:
    rng = np.random.default_rng(0)
    directions = np.eye(8)[:3] * 4
    twin = directions[0] + 0.05 * rng.normal(size=8)  # almost the same direction as cluster 0
    centres = np.vstack([directions, twin])
    vectors = np.vstack([c + 0.3 * rng.normal(size=(30, 8)) for c in centres])
    labels = np.repeat(np.arange(4), 30)
    merged = themes.merge_close(labels, vectors)
    assert len(set(merged)) == 3
    assert len(set(merged[:30]) | set(merged[90:])) == 1  # the twins became one
    assert len(set(merged[30:60]) | set(merged[60:90])) == 2  # the others stayed apart
    assert len(set(themes.merge_close(labels[:90], vectors[:90]))) == 3


def test_the_offline_analysis_rates_no_emotions_and_the_report_says_why(
    model: MiniLMEmbedder, tmp_path: Path
) -> None:
    small = generate(per_group=5, seed=2)
    embedder = CachedEmbedder(model, tmp_path)
    toolkit = offline_toolkit(embedder)
    assert toolkit.emotions is None
    result = asyncio.run(
        analyze(small.docs, toolkit=toolkit, embedder=embedder, codebook=CODEBOOK[:1], cache_dir=tmp_path)
    )
    assert result.emotions == [] and result.emotion_summary == []
    why = [n for n in result.notes if "emotion" in n.lower()]
    assert len(why) == 1 and "--mode claude" in why[0]
    assert "emotions" not in [s.id for s in report.sections(result)]
    assert not any(e.startswith("emotions") for e in (p.name for p in (tmp_path / "stages").glob("*.json")))


def test_a_codebook_can_mark_procedural_questions(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text(
        "procedural:\n  - any questions before we begin\n  - confirm your role\n"
        "codes:\n  - id: stigma\n    label: Hides AI use\n    definition: The participant hides using AI.\n",
        encoding="utf-8",
    )
    book = read_codebook(path)
    assert book.procedural == ["any questions before we begin", "confirm your role"]
    assert [c.id for c in book.codes] == ["stigma"]
    path.write_text(path.read_text().replace("procedural:\n  - any", "procedural: 3\nx:\n  - any"))
    with pytest.raises(AnalysisInputError) as error:
        read_codebook(path)
    message = str(error.value)
    assert "field 'procedural'" in message and "interviewer questions" in message
    assert "field 'x': unknown field; allowed: codes, procedural" in message


def test_bfloat16_vectors_are_near_the_float32_ones_and_cached_apart(
    model: MiniLMEmbedder, tmp_path: Path
) -> None:
    sentences = [
        "I use it to draft emails to parents, which saves me an hour a day.",
        "Honestly I'm worried it will replace junior analysts within five years.",
        "It made up a citation once, so now I check every reference it gives me.",
        "My manager doesn't know I use it.",
        "No.",
    ]
    half = MiniLMEmbedder("bfloat16")
    full, low = model.encode(sentences), half.encode(sentences)
    assert low.shape == full.shape == (5, 384)
    assert (np.sum(full * low, axis=1) > 0.98).all()
    assert half.name != model.name  # a different vector space: a different cache folder
    assert np.allclose(model.encode(sentences[::-1])[::-1], full, atol=1e-5)  # batched in any order
    CachedEmbedder(half, tmp_path).encode(sentences)
    assert np.allclose(CachedEmbedder(model, tmp_path).encode(sentences[:1]), full[:1], atol=1e-5)
    assert {p.name for p in (tmp_path / "vectors").iterdir()} == {half.name, model.name}
