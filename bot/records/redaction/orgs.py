"""Organisation names: a legal-form suffix (`Acme Widgets Inc`, `Siemens AG`, `Grupo Bimbo S.A.B.`),
an institution word (`University of Leeds`, `Riverside Primary School`, `Universidad de Chile`), or an
employer named after a phrase such as "I work at" or "my employer" (`Deloitte`, `PwC`).

Well-known software names stay when they are tools ("I use Excel"), but not when they are named as an
employer ("I worked at Google").
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.records.redaction.names import english, is_name
from bot.records.redaction.words import CITIES, KNOWN_ORGS, NEVER_PHRASES, NEVER_WORDS, STARTERS

CAP = r"(?:[A-ZÀ-ÖØ-Þ][\wÀ-ÿ'’&.\-]*|[A-Z]{2,}|\d+)"
LEGAL = (
    r"Inc\.?|Ltd\.?|LLC|LLP|L\.L\.C\.|GmbH|gGmbH|AG|KG|SE|SA|S\.A\.(?:B\.)?|SAS|SARL|S\.p\.A\.|SpA|S\.r\.l\.|"
    r"Srl|B\.?V\.?|N\.?V\.?|AB|ASA|A/S|Oy|Oyj|Pty\.?(?: Ltd\.?)?|Pvt\.?(?: Ltd\.?)?|PLC|plc|Corp\.?|"
    r"Corporation|Company|Co\.|Ltda\.?|S\.L\.|K\.K\.|Sp\. z o\.o\.|e\.V\.|Group|Holdings?|Partners|"
    r"Consulting|Technologies|Solutions|Systems|Labs|Ventures|Capital|Studios|Associates|Foundation|"
    r"Trust|Council|Agency|Bank|Insurance|Hospital|Clinic|University|College|Institute|Academy|School"
)
ORG_SUFFIXED = re.compile(rf"\b{CAP}(?:[ &]+(?:{CAP}|of|and|&|de|la))*[ ]+(?:{LEGAL})(?![\w])")
ORG_OF = re.compile(
    rf"\b(?:University|College|Institute|Bank|Hospital|Academy|Museum|Ministry|Department|Bureau"
    rf"|Universidad|Université|Universität|Università|Universidade|Uniwersytet|Universiteit|Politecnico"
    rf"|Instituto|Institut|Hôpital|Hospital|Klinikum|Hochschule|Banco|Banque|Grupo|Colegio|Escuela|Lycée"
    rf"|Gymnasium|Escola|Liceo|Scuola) (?:of |de |del |di |der |des |du |do |da |für |for )?(?:the |la |los )?"
    rf"{CAP}(?: (?:{CAP}|de|of|and))*"
)
GENERIC = frozenset(
    """Primary Secondary High Middle Grammar Medical Business Law Art Arts Community State National Public
    Private Local Nursing Technical Summer Sunday Night Graduate Elementary Junior Senior Boarding
    Language Film Music Drama Dental Veterinary Engineering""".split()
)
EMPLOYER = re.compile(
    r"\b(?:(?P<strong>(?i:work(?:s|ed|ing)? (?:at|for)|employed (?:at|by)|job (?:at|with)|role at|"
    r"intern(?:ed|ing)? at|consultant (?:at|for)|employer(?: is|,)?|company(?: is|,| called)|"
    r"firm(?: is|,| called)|hired by|contractor for))|(?P<weak>joined|left|client(?: is|,)?|contract with|at|At))"
    rf" (?P<name>(?:{CAP}|[A-Z][a-z]*[A-Z]\w*)(?:[ &]+(?:{CAP}|of|and|&))*)"
)


TRAILING_WORDS = re.compile(r"(?:[ &]+(?:of|and|&|I|We|You|He|She|They|It))+$")  # "SUEZ and I": "SUEZ"


def _useful(span_text: str) -> bool:
    words = [w for w in re.split(r"[ &]+", span_text) if w not in ("of", "and", "&", "de", "la")]
    head = words[:-1]
    return bool(head) and not all(w in GENERIC or w in STARTERS for w in head)


def _leading(word: str) -> bool:
    """A word that opens a sentence rather than a name: "At", "Taking"."""
    return word in STARTERS or (word.endswith("ing") and word.lower() in _english())


def _english() -> frozenset[str]:
    return english()


def org_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in ORG_SUFFIXED.finditer(text):
        start, name = m.start(), m.group()
        while " " in name and _leading(name.split(" ", 1)[0]):  # "At Imperial College": not "At"
            skip = len(name.split(" ", 1)[0]) + 1
            start, name = start + skip, name[skip:]
        if " " in name and _useful(name) and name not in NEVER_PHRASES:
            spans.append((start, m.end()))
    spans += [m.span() for m in ORG_OF.finditer(text)]
    for m in EMPLOYER.finditer(text):
        name = TRAILING_WORDS.sub("", m.group("name"))
        first = name.split(" ", 1)[0]
        if first in STARTERS or any(name.startswith(p) for p in NEVER_PHRASES) or first.isdigit():
            continue
        if m.group("weak") and not _unknown_name(first):
            continue  # "at Christmas", "joined Zoom", "at Anna's": a time, a tool, a person
        spans.append((m.start("name"), m.start("name") + len(name)))
    spans += [m.span() for m in known_pattern().finditer(text)]
    return spans


def _unknown_name(word: str) -> bool:
    """A capitalised word that is no tool, place, English word or person's name: an organisation."""
    core = word.rstrip(".").removesuffix("'s").removesuffix("’s")
    return not (core in NEVER_WORDS or core in CITIES or core.lower() in english() or is_name(core))


@lru_cache(maxsize=1)
def known_pattern() -> re.Pattern[str]:
    names = sorted(KNOWN_ORGS, key=len, reverse=True)
    return re.compile(r"(?<![\w&])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w&])")
