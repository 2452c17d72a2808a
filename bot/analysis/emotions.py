"""Offline emotion intensity per interview: a small lexicon plus similarity to emotion descriptions.

Exploratory, and labelled so in the report: words and sentence similarity are a rough proxy for how a
person feels. Per emotion, two parts each give 0..1 and their mean maps onto 1..5:
- the lexicon: un-negated cue words per 100 participant words, full at `LEXICON_FULL`;
- the meaning: the best passage's cosine similarity to short descriptions of the emotion, from
  `SIMILARITY_LOW` (nothing) to `SIMILARITY_HIGH` (full).
The evidence is that best passage, redacted.
"""

from __future__ import annotations

import re

import numpy as np

from bot.analysis.coding import PassageIndex
from bot.analysis.embed import Embedder
from bot.analysis.model import Doc, EmotionScore
from bot.records.redact import redact

EMOTIONS = ("satisfaction", "frustration", "worry", "trust")
LEXICON: dict[str, frozenset[str]] = {
    "satisfaction": frozenset(
        "love loved great glad happy pleased satisfied helpful amazing fantastic useful enjoy enjoyed "
        "wonderful excellent awesome impressed game-changer lifesaver grateful thankful delighted".split()
    ),
    "frustration": frozenset(
        "frustrating frustrated annoying annoyed irritating tedious useless waste wasted struggle "
        "struggling fight fighting headache maddening infuriating disappointing disappointed clunky "
        "hate hated stuck".split()
    ),
    "worry": frozenset(
        "worry worried worries worrying anxious anxiety afraid fear fears scared scary concern concerned "
        "concerns nervous uneasy threat threatened replace replaced uncertain uncertainty dread".split()
    ),
    "trust": frozenset(
        "trust trusted trusting reliable rely relied dependable confident confidence accurate accuracy "
        "consistent safe sure verify verified".split()
    ),
}
DESCRIPTIONS: dict[str, list[str]] = {
    "satisfaction": [
        "I am really happy with how AI helps me; it makes my work easier and I enjoy using it.",
        "It has been great, it saves me a lot of time and I'm very satisfied with the results.",
    ],
    "frustration": [
        "It is frustrating and annoying when the AI gets things wrong and wastes my time.",
        "I get irritated having to fight with the tool and redo its output over and over.",
    ],
    "worry": [
        "I am worried and anxious that AI will replace my job or make my skills worthless.",
        "I'm scared about what this means for my future and my career.",
    ],
    "trust": [
        "I trust the AI's answers and rely on it because it is accurate and dependable.",
        "I feel confident using its output; it has proven reliable for my work.",
    ],
}
NEGATION = frozenset(
    {"not", "no", "never", "don't", "dont", "doesn't", "isn't", "wasn't", "hardly", "without"}
)
LEXICON_FULL = 2.0  # cue words per 100 words that count as the strongest lexical signal
SIMILARITY_LOW, SIMILARITY_HIGH = 0.2, 0.6
TOKEN = re.compile(r"[a-z][a-z'-]*")


def lexicon_rate(text: str, words: frozenset[str]) -> float:
    """Cue words per 100 words, skipping a cue with a negation among the three words before it."""
    tokens = TOKEN.findall(text.lower())
    if not tokens:
        return 0.0
    hits = sum(
        1 for i, t in enumerate(tokens) if t in words and not NEGATION.intersection(tokens[max(0, i - 3) : i])
    )
    return 100.0 * hits / len(tokens)


def intensity(rate: float, similarity: float) -> float:
    lexical = min(1.0, rate / LEXICON_FULL)
    meaning = min(1.0, max(0.0, (similarity - SIMILARITY_LOW) / (SIMILARITY_HIGH - SIMILARITY_LOW)))
    return round(1.0 + 4.0 * (lexical + meaning) / 2, 2)


class OfflineEmotionRater:
    exploratory = True

    def __init__(self, embedder: Embedder, indexer) -> None:  # type: ignore[no-untyped-def]
        self.embedder = embedder
        self.indexer = indexer  # shares one PassageIndex per corpus with the coder

    async def rate(self, docs: list[Doc]) -> list[EmotionScore]:
        idx: PassageIndex = self.indexer(docs)
        similarity = {e: idx.vectors @ self.embedder.encode(DESCRIPTIONS[e]).T for e in EMOTIONS}
        out = []
        for doc in docs:
            rows = idx.by_interview[doc.code]
            text = doc.participant_text
            for e in EMOTIONS:
                best_sim, evidence = 0.0, ""
                if rows.size:
                    per_passage = similarity[e][rows].max(axis=1)
                    top = int(rows[int(np.argmax(per_passage))])
                    best_sim, evidence = float(per_passage.max()), redact(idx.items[top].text)
                out.append(
                    EmotionScore(
                        interview=doc.code,
                        emotion=e,  # type: ignore[arg-type]
                        intensity=intensity(lexicon_rate(text, LEXICON[e]), best_sim),
                        evidence=evidence,
                    )
                )
        return out
