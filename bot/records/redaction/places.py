"""Street addresses and postcodes in the formats of the countries most participants write from.

Street addresses: a house number and capitalised street words ending in a street type (`221B Baker
Street`, `1600 Pennsylvania Avenue NW`), a street type first and the number after (`Calle Mayor 12`,
`ul. Marszałkowska 10`, `Via Roma 10`, `12 rue de la Paix`), a compound street name (`Hauptstraße 5`,
`Keizersgracht 123`, `Drottninggatan 53`), and Japanese block numbers (`1-2-3 Shibuya`).
Postcodes: the UK, Canada, the Netherlands, Ireland (Eircode), Brazil, Poland, Japan (with 〒), US ZIP
codes after a state, and 4-6 digit codes next to a town name or after a word such as "postcode".
"""

from __future__ import annotations

import re

from bot.records.redaction import gazetteer
from bot.records.redaction.words import CITIES

CAP = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\wÀ-ÿĀ-ž'’.\-]*"
NUM = r"\d{1,5}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
EN_TYPES = (
    r"Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd\.?|Way|Court|Ct\.?|"
    r"Place|Pl\.?|Terrace|Close|Crescent|Square|Sq\.?|Parkway|Pkwy\.?|Highway|Hwy\.?|Row|Gardens|Grove|"
    r"Mews|Walk|Hill|Circle|Cir\.?|Trail|Park"
)
PREFIX_TYPES = (
    r"rue|avenue|av\.|bd|boulevard|allée|chemin|impasse|quai|place|route|cours|Rue|Avenue|Boulevard|Place|"
    r"Calle|C/|Avenida|Avda\.|Av\.|Paseo|Plaza|Carrer|Rúa|Rua|Travessa|Largo|Praça|Via|Viale|Corso|Piazza|"
    r"Vicolo|ul\.|ulica|al\.|aleja|Ulica|Aleja|Ulitsa|ulitsa|prospekt|Prospekt|Strada|Bulevardul|Calea"
)
LINKS = r"(?:d[eu]s? |de la |de l'|d'|del |de los |de las |della |di |dos |das |da |do )?"
SUFFIX_WORDS = (
    r"straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|gracht|straat|laan|plein|kade|singel|"
    r"vej|gade|gatan|gata|vägen|veien|katu|tie|utca|út|cesta|ulice"
)
ADDRESS = re.compile(
    rf"(?:\b(?:Flat|Apt\.?|Apartment|Unit|Suite)\s+\w+,?\s+)?\b{NUM},?\s+(?:{CAP}\s+){{1,4}}(?:{EN_TYPES})\b"
    rf"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    rf"|\b{NUM},?\s+(?:{PREFIX_TYPES})\s+{LINKS}{CAP}(?:\s+{CAP}){{0,3}}"
    rf"|(?<!\w)(?:{PREFIX_TYPES})\s+{LINKS}{CAP}(?:\s+{LINKS}{CAP}){{0,3}},?\s+(?:n[º°o]\.?\s*)?{NUM}\b"
    rf"|\b[A-ZÀ-ÖØ-Þ][\wÀ-ÿ\-]*(?:{SUFFIX_WORDS})\s+{NUM}\b"
    rf"|\b\d{{1,2}}-\d{{1,2}}-\d{{1,3}}\s+{CAP}"
)

POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b"  # United Kingdom
    r"|\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d\b"  # Canada
    r"|\b[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}\b"  # the Netherlands
    r"|\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}\b"  # Ireland (Eircode)
    r"|\b\d{5}-\d{3}\b"  # Brazil (CEP)
    r"|〒\s?\d{3}-?\d{4}"  # Japan
    r"|\b\d{2}-\d{3}(?=\s+[A-ZÀ-ÖØ-ÞĀ-Ž])"  # Poland, before the town
    r"|(?<=\b[A-Z]{2} )\d{5}(?:-\d{4})?\b"  # a US ZIP code after the state
    r"|(?i:(?<=postcode )|(?<=post code )|(?<=postal code )|(?<=zip code )|(?<=zip )|(?<=plz )|(?<=cep )"
    r"|(?<=code postal )|(?<=pin code )|(?<=pincode )|(?<=cap ))[A-Z0-9][A-Z0-9 \-]{2,8}[A-Z0-9]\b"
    r"|\b\d{3} \d{2}(?=\s+[A-ZÀ-ÖØ-Þ][a-zà-ÿ])"  # Sweden, before the town
    r"|\b\d{5,6}(?=\s+[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-ÿā-ž]{2,})"  # 5-6 digits before a town: 75001 Paris
    r"|\b(?!(?:19|20)\d\d\b)\d{4}(?=\s+[A-ZÀ-ÖØ-ÞĀ-Ž][a-zà-ÿā-ž]{2,})"  # 4 digits (not a year) before a town
)
# a known town, then its code: "New Delhi 110001", "Mumbai, 400001"
TOWN_CODE = re.compile(r"\b([A-ZÀ-ÖØ-Þ][a-zà-ÿ]+(?: [A-ZÀ-ÖØ-Þ][a-zà-ÿ]+)?),? (\d{5,6})\b")
_HINT = re.compile(r"\d")


def address_spans(text: str) -> list[tuple[int, int]]:
    if not _HINT.search(text):
        return []
    return [m.span() for m in ADDRESS.finditer(text)]


def postcode_spans(text: str) -> list[tuple[int, int]]:
    if not _HINT.search(text):
        return []
    spans = [m.span() for m in POSTCODE.finditer(text)]
    for m in TOWN_CODE.finditer(text):
        if _town(m.group(1)):
            spans.append(m.span(2))
    return spans


def _town(name: str) -> bool:
    last = name.rsplit(" ", 1)[-1]
    return name in CITIES or last in CITIES or name in gazetteer.load().places
