"""Person names: capitalised runs the names gazetteer supports, words after an honorific or a word like
"colleague", and lower-case names ("john smith") where both words are well-known names.

A capitalised run is a name when its first word is a known name, its last word is a known name or no
English word, and it has at least one word that is a name first (not also an English word, or a top
given name in several countries) or consists of known names only. So "Łukasz Wróbel", "Nguyễn Văn
An", "Pieter van der Berg" and "Will Smith" are names, and "Key Stage", "Human Resources", "Design
Proposal" and "Instagram Reel" are not. Lists of phrases that are never names cover the rest.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from english_words import get_english_words_set

from bot.records.redaction import gazetteer
from bot.records.redaction.words import (
    CITIES,
    CONTRACTIONS,
    HONORIFICS,
    NEVER_PHRASES,
    NEVER_WORDS,
    PARTICLES,
    STARTERS,
    STOPWORDS,
    STRONG_CUES,
    WEAK_CUES,
)

WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
WORD_RANK = 300  # an English word counts as a name only if it is this popular as one somewhere
NAME_RANK = 2000
LONE_RANK = 1000  # a single capitalised word needs to be at least this popular a first name
TOP_SURNAME = 100  # "becker" is also a word, but after "tom" a top-100 surname is a surname
Span = tuple[int, int]


@lru_cache(maxsize=1)
def english() -> frozenset[str]:
    """English words, from `english-words`: Webster's Second International lists ordinary words in
    lower case; GCIDE, more complete but capitalising every headword, counts except where the word
    is a top given name or surname in several countries ("Sarah", "Anna")."""
    words = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower()}
    names = gazetteer.load().names
    for w in get_english_words_set(["gcide"], lower=False, alpha=True):
        entry = names.get(w.capitalize())
        if entry is None or not (entry.popular_first or entry.popular_last):
            words.add(w.lower())
    return frozenset(words)


def is_english(word: str) -> bool:
    """An English word, or a plural or inflection of one (the dictionary lists only base forms)."""
    w, words = word.lower(), english()
    if w in words:
        return True
    for suffix, base in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
    ):
        if w.endswith(suffix) and len(w) > len(suffix) + 2 and w[: -len(suffix)] + base in words:
            return True
    return False


def _capitalised(token: str) -> bool:
    core = token.rstrip(".")
    return core[:1].isupper() and not (len(core) > 1 and core.isupper())


def _never(token: str) -> bool:
    core = token.rstrip(".")
    title = core[:1].upper() + core[1:]
    return core in NEVER_WORDS or title in NEVER_WORDS or core in CITIES or core in CONTRACTIONS


@lru_cache(maxsize=65536)
def _entry(token: str) -> gazetteer.Entry | None:
    """The gazetteer's entry as written (lower-case words also as capitalised): "BOTs" or "SEO" are not
    looked up as "Bots" or "Seo". A hyphenated name is judged by its parts."""
    g = gazetteer.load()
    core = token.rstrip(".")
    found = g.names.get(core)
    if found is None and core.islower():
        found = g.names.get(core.capitalize())
    if found is None and "-" in core:  # Jean-Luc, Min-jun; not Nano-Banana
        head, tail = core.split("-", 1)
        if (tail.islower() and not is_english(tail)) or _entry(tail) is not None:
            found = _entry(head)
    if found is None:
        return None
    return replace(found, word=found.word or is_english(core))


def is_name(token: str) -> bool:
    """A known first name or surname, strict for words that are also English words."""
    e = _entry(token)
    if e is None:
        return False
    best = min(r for r in (e.first, e.last) if r) if (e.first or e.last) else 0
    return bool(best) and best <= (WORD_RANK if e.word else NAME_RANK)


def is_name_first(token: str) -> bool:
    """A word that is a name before anything else: not an English word, or a top name in many places."""
    e = _entry(token)
    return e is not None and (e.popular_first or e.popular_last or (not e.word and is_name(token)))


def _unlike_word(token: str) -> bool:
    return token.rstrip(".").lower() not in english()


def _is_place(words: list[str]) -> bool:
    """A country, a big city, or (two words or more) a region: "North Carolina", "Île-de-France"."""
    phrase = " ".join(w.rstrip(".") for w in words)
    g = gazetteer.load()
    if len(words) == 1:
        return phrase in g.countries or phrase in CITIES
    return phrase in g.places or phrase in NEVER_PHRASES


def run_is_name(words: list[str]) -> bool:
    """Judge a run of capitalised words (particles inside allowed)."""
    core = [w for w in words if w not in PARTICLES]
    if not core or any(_never(w) or w in HONORIFICS for w in core) or _is_place(words) or _is_place(core[:1]):
        return False
    if len(core) == 1:
        e = _entry(core[0])
        lone = e is not None and e.first and (e.popular_first or (not e.word and e.first <= LONE_RANK))
        return bool(lone)
    if not is_name(core[0]) or not (is_name(core[-1]) or _unlike_word(core[-1])):
        return False
    if all(is_name(w) for w in core) or any(is_name_first(w) for w in core):
        return True
    # "Colin McAllister": a given name that tops some country's list, then a surname the gazetteer lacks
    first, last = _entry(core[0]), core[-1]
    return first is not None and first.first_top > 0 and _entry(last) is None and not is_english(last)


def _runs(text: str) -> list[list[re.Match[str]]]:
    """Runs of capitalised words separated by single spaces, with name particles inside."""
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for m in WORD.finditer(text):
        token = m.group()
        joined = (
            bool(current) and text[current[-1].end() : m.start()] == " " and not _ends_sentence(current[-1])
        )
        if _capitalised(token) or (joined and token in PARTICLES):
            if current and not joined:
                runs.append(current)
                current = []
            current.append(m)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _ends_sentence(m: re.Match[str]) -> bool:
    """A word with a full stop ends the sentence, unless it is an honorific or an initial ("J.")."""
    word = m.group()
    return word.endswith(".") and word not in HONORIFICS and len(word) > 2


TRAILING = frozenset("I I'm I've I'd I'll We You He She They It".split())  # "Anna I asked": not "I"


def _trimmed(run: list[re.Match[str]]) -> list[re.Match[str]]:
    while run and (run[0].group().rstrip(".") in STARTERS or run[0].group() in PARTICLES):
        run = run[1:]
    while run and (run[-1].group() in PARTICLES or run[-1].group() in TRAILING):
        run = run[:-1]
    return run


def _titled(run: list[re.Match[str]]) -> Span | None:
    """An honorific and the capitalised words after it: "Dr. Patel", "Frau Müller"."""
    for i, m in enumerate(run[:-1]):
        if m.group() in HONORIFICS and not _never(run[i + 1].group()):
            end = run[min(len(run) - 1, i + 3)].end()
            return m.start(), end
    return None


def capitalised_names(text: str) -> list[Span]:
    spans = []
    for run in _runs(text):
        titled = _titled(run)
        if titled:
            spans.append(titled)
            continue
        run = _trimmed(run)
        # a never-name word splits the run: "Anna Excel" judges "Anna" alone
        pieces: list[list[re.Match[str]]] = [[]]
        for m in run:
            if _never(m.group()):
                pieces.append([])
            else:
                pieces[-1].append(m)
        for piece in pieces:
            piece = _trimmed(piece)
            words = _words(piece)
            if len(piece) > 1 and _sentence_start(text, piece[0].start()) and not _is_place(words):
                if not run_is_name(words):  # "Ask Pieter van der Berg": capitalised as the first word
                    piece = _trimmed(piece[1:])
            if piece and run_is_name(_words(piece)) and not _ordinary_opening(text, piece):
                spans.append((piece[0].start(), _end(piece[-1])))
    return spans


def _words(piece: list[re.Match[str]]) -> list[str]:
    return [m.group() for m in piece]


# Words that follow a person's name ("Anna said", "Anna from HR"), not an English word ("Grace periods").
AFTER_NAME = frozenset(
    """said says told asked thinks thought was is has had and from who uses used wrote sent helped
    mentioned suggested showed explained agreed laughed runs leads manages is, was, 's""".split()
)


def _ordinary_opening(text: str, piece: list[re.Match[str]]) -> bool:
    """A lone name that is also an English word, opening a sentence, and not followed by what
    follows a person: "Grace periods ...", "Mark my words"."""
    if len(piece) != 1:
        return False
    entry = _entry(piece[0].group())
    if entry is None or not entry.word or not _sentence_start(text, piece[0].start()):
        return False
    following = text[piece[0].end() :].lstrip(" ").split(" ", 1)[0].lower()
    return following not in AFTER_NAME and not following.startswith(("'s", "’s", ","))


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'(")
    return not before or before[-1] in ".!?:;\n"


def _end(m: re.Match[str]) -> int:
    return m.end() - 1 if m.group().endswith(".") else m.end()


def _adjacent(text: str, a: re.Match[str], b: re.Match[str]) -> bool:
    return text[a.end() : b.start()] in (" ", ", ")


def _lower_name(word: str) -> bool:
    """A lower-case word that is a name: a top name, and no English word."""
    e = _entry(word)
    if e is None or e.word or _never(word) or len(word) < 3:
        return False
    return e.popular_first or e.popular_last or 0 < e.first <= WORD_RANK


def _cued_word(word: str, strong: bool) -> bool:
    """Whether `word`, right after a cue, is a name. Acronyms never are ("with PII")."""
    if len(word) > 1 and sum(ch.isupper() for ch in word) > 1 and not re.match(r"^(?:Mc|Mac|O')", word):
        return False
    if word in STARTERS or word in TRAILING:
        return False
    if not _capitalised(word):
        e = _entry(word)
        return _lower_name(word) or (strong and e is not None and (e.popular_first or e.popular_last))
    if strong:  # "my colleague Oluwaseun": a name the gazetteer lacks is still a name here
        return is_name(word) or not is_english(word)
    e = _entry(word)  # "to Bio", "with Enoch": after a weak cue only a well-known name
    return (
        is_name_first(word)
        and e is not None
        and (e.popular_first or e.popular_last or 0 < e.first <= WORD_RANK)
    )


def cued_names(text: str, tokens: list[re.Match[str]]) -> list[Span]:
    """A name right after "colleague", "manager", "asked" ...: capitalised or not."""
    spans = []
    for i in range(len(tokens) - 1):
        cue, word = tokens[i].group().lower(), tokens[i + 1]
        w = word.group().rstrip(".")
        strong = cue in STRONG_CUES
        if not (strong or cue in WEAK_CUES) or not _adjacent(text, tokens[i], word):
            continue
        if _never(w) or w.lower() in STOPWORDS or not _cued_word(w, strong) or _is_place([w]):
            continue
        end = _end(word)
        if (
            i + 2 < len(tokens)
            and not word.group().endswith(".")
            and text[word.end() : tokens[i + 2].start()] == " "
        ):
            after = tokens[i + 2].group().rstrip(".")
            if _capitalised(after) and not _never(after) and (is_name(after) or not is_english(after)):
                end = _end(tokens[i + 2])
        if text[word.start() : end] not in NEVER_PHRASES:
            spans.append((word.start(), end))
    return spans


def lower_case_names(text: str, tokens: list[re.Match[str]]) -> list[Span]:
    """ "john smith": a well-known first name followed by a well-known surname, neither a stopword."""
    spans = []
    for a, b in zip(tokens, tokens[1:], strict=False):
        first, last = a.group(), b.group()
        if not (first.islower() and last.islower()) or text[a.end() : b.start()] != " ":
            continue
        if first in STOPWORDS or last in STOPWORDS:
            continue
        f, s = _entry(first), _entry(last)
        if f is None or s is None or not f.first or not s.last or _never(first) or _never(last):
            continue
        if (
            f.popular_first
            and (s.popular_last or not s.word or s.last <= TOP_SURNAME)
            and s.last <= LONE_RANK
        ):
            spans.append((a.start(), b.end()))
    return spans


def person_spans(text: str) -> list[Span]:
    """Every name found by any rule; overlapping finds are merged ("asked john" + "john smith")."""
    tokens = list(WORD.finditer(text))
    found = sorted(capitalised_names(text) + cued_names(text, tokens) + lower_case_names(text, tokens))
    merged: list[Span] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
