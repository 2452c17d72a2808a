"""Theme keywords: class-based TF-IDF over the themes' answers, with identifiers redacted first.

A term counts for a theme when it is frequent there and rare in the other themes; conversational filler
and stop words never count, and a word pair makes its own words redundant (and the other way round).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import pairwise

import numpy as np

from bot.records.redact import redact

# Conversational words that c-TF-IDF would otherwise promote in small themes.
FILLER = {
    "yeah", "yes", "like", "just", "really", "think", "know", "thing", "things", "lot", "kind", "sort",
    "actually", "pretty", "maybe", "probably", "definitely", "mean", "stuff", "ve", "don", "didn", "doesn",
    "isn", "ll", "re", "going", "got", "get", "way", "time", "use", "using", "used", "ai", "would", "could",
    "ask", "asking", "help", "helps", "make", "makes", "need", "needs", "want", "usually", "able", "try",
    "trying", "tell", "say", "said", "good", "great", "sure", "okay", "ok", "thank", "thanks", "sounds", "let",
}  # fmt: skip

PLACEHOLDER = re.compile(r"\[[A-Z]+\]")


def keywords(texts: list[str], members: dict[str, list[int]], top: int = 6) -> dict[str, list[str]]:
    """Class-based TF-IDF: per theme (its units as indexes into `texts`), the terms frequent in it and rare
    across the other themes."""
    from sklearn.feature_extraction.text import CountVectorizer

    ids = list(members)
    if not ids:
        return {}
    # Names, emails and the like never become keywords (they label a theme in the report): redact first,
    # then drop the placeholders. Each unit once, on its own: it is also in a sub-theme, and a joined text
    # always holds a digit, which runs the postcode and address patterns over all of it.
    clean = {i: PLACEHOLDER.sub(" ", redact(texts[i])) for i in {i for own in members.values() for i in own}}
    docs = [" ".join(clean[i] for i in members[t]) for t in ids]
    del clean
    vectorizer = CountVectorizer(analyzer=_terms(), min_df=1)
    try:  # sparse: a large corpus has millions of distinct word pairs
        counts = vectorizer.fit_transform(docs).astype(float).tocsr()
    except ValueError:  # only stop words
        return {i: [] for i in ids}
    terms = vectorizer.get_feature_names_out()
    del vectorizer, docs
    tf = counts.multiply(1.0 / np.maximum(np.asarray(counts.sum(axis=1)), 1.0))
    average = counts.sum() / len(ids)
    idf = np.log(1 + average / np.maximum(np.asarray(counts.sum(axis=0)).ravel(), 1.0))
    scores = tf.multiply(idf).tocsr()
    scores.sort_indices()
    out = {}
    for row, theme_id in enumerate(ids):
        found = scores[row]
        best = [terms[found.indices[j]] for j in np.argsort(-found.data, kind="stable") if found.data[j] > 0]
        picked: list[str] = []
        for term in best:
            # "customer emails" makes "emails" redundant and the other way round
            if any(term in p.split() or p in term.split() for p in picked):
                continue
            picked.append(term)
            if len(picked) >= top:
                break
        out[theme_id] = picked
    return out


def _terms() -> Callable[[str], Iterator[str]]:
    """A text's words, then its word pairs, as CountVectorizer(ngram_range=(1, 2)) finds them but one at a
    time: it lists them all first, millions for the largest theme of a large corpus."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    pattern = r"(?u)\b[a-zA-Z][a-zA-Z]+\b"
    words = CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | FILLER), token_pattern=pattern)
    preprocess, tokenize, stop = words.build_preprocessor(), words.build_tokenizer(), words.get_stop_words()

    def analyse(text: str) -> Iterator[str]:
        kept = [w for w in tokenize(preprocess(text)) if w not in stop]
        yield from kept
        yield from (f"{a} {b}" for a, b in pairwise(kept))

    return analyse
