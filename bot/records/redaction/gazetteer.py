"""The names gazetteer: first names and surnames of 105 countries (the `names-dataset` package), which
English words they also are (`english-words`), and place names (`pycountry`), in one compact index.

`names-dataset` holds 730,000 first names and 980,000 surnames with their popularity per country, but
loading it takes 12-40 s and 1.9 GB of memory (1.2 GB loading first names and surnames one after the
other, as `build` does; measured on a 2-core machine). So the index of the
names this module uses (rank 2,000 or better in some country) is built once, in a child process, and
kept as a small file under REDACTION_CACHE_DIR; later loads take a fraction of a second.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import logging
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from english_words import get_english_words_set

from bot.settings import get_settings

log = logging.getLogger(__name__)
FORMAT = 3  # bump when the index's layout or selection changes
MAX_RANK = 2000  # names less popular than this everywhere are left out of the index
TOP = 100  # a name in the top 100 of several countries is a name first, whatever else it means


@dataclass(frozen=True)
class Entry:
    """What the gazetteer knows of one capitalised word."""

    first: int  # best rank as a first name in any country (0: not a first name)
    first_top: int  # countries where it is a top-100 first name
    last: int  # best rank as a surname (0: not a surname)
    last_top: int
    word: bool  # also an English word written in lower case ("grace", "smith", "key")

    @property
    def popular_first(self) -> bool:
        return self.first_top >= 3

    @property
    def popular_last(self) -> bool:
        return self.last_top >= 3


class Gazetteer:
    def __init__(self, names: dict[str, Entry], places: frozenset[str], countries: frozenset[str]) -> None:
        self.names = names
        self.places = places  # countries and their subdivisions, as written in English and locally
        self.countries = countries  # and English-speaking countries' regions: places on their own

    def get(self, word: str) -> Entry | None:
        return self.names.get(word) or self.names.get(word[:1].upper() + word[1:].lower())


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def index_path(directory: Path) -> Path:
    stamp = f"{FORMAT}-{_version('names-dataset')}-{_version('english-words')}-{_version('pycountry')}"
    return directory / f"gazetteer-{stamp}.tsv.gz"


def _ranks(table: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """names-dataset's {name: {"rank": {country: rank}, ...}} as (best rank, countries in the top 100)."""
    out = {}
    for name, info in table.items():
        ranks = [r for r in ((info or {}).get("rank") or {}).values() if r]
        if ranks and min(ranks) <= MAX_RANK and name.isalpha():
            out[name] = (min(ranks), sum(r <= TOP for r in ranks))
    return out


def build(path: Path) -> None:
    """Write the index (run in a child process: each half of the dataset needs about 1 GB while it loads).
    First names and surnames are loaded one after the other, so only one half is in memory at a time
    (both at once took 1.9 GB)."""
    # imported here, in the child process only: the parent never loads the dataset
    import gc

    import pycountry
    from names_dataset import NameDataset

    first = _ranks(NameDataset(load_first_names=True, load_last_names=False).first_names or {})
    gc.collect()
    last = _ranks(NameDataset(load_first_names=False, load_last_names=True).last_names or {})
    gc.collect()
    words = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower()}
    countries: set[str] = set()
    for record in pycountry.countries:
        countries.update(getattr(record, key, "") for key in ("name", "common_name", "official_name"))
    places = {s.name for s in pycountry.subdivisions} - countries
    # regions named alone in English-language interviews ("Maine", "Ontario"); elsewhere many regions
    # share a person's name (Magdalena, Ngozi), so only these count as a place on their own
    regions = {
        s.name for s in pycountry.subdivisions if s.country_code in ("US", "CA", "GB", "AU", "NZ", "IE")
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        for name in sorted(set(first) | set(last)):
            fr, ft = first.get(name, (0, 0))
            lr, lt = last.get(name, (0, 0))
            f.write(f"{name}\t{fr}\t{ft}\t{lr}\t{lt}\t{int(name.lower() in words)}\n")
        for place in sorted(p for p in places if p):
            f.write(f"@{place}\n")
        for country in sorted(c for c in countries | regions if c):
            f.write(f"!{country}\n")
    tmp.replace(path)


def _read(path: Path) -> Gazetteer:
    names: dict[str, Entry] = {}
    places: set[str] = set()
    countries: set[str] = set()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line[0] in "@!":
                (places if line[0] == "@" else countries).add(line[1:].rstrip("\n"))
                continue
            name, fr, ft, lr, lt, word = line.rstrip("\n").split("\t")
            names[name] = Entry(int(fr), int(ft), int(lr), int(lt), word == "1")
    return Gazetteer(names, frozenset(places | countries), frozenset(countries))


def _build_in_child(path: Path) -> None:
    log.warning("building the names gazetteer for redaction once (about 30 s, 1.2 GB of memory): %s", path)
    done = subprocess.run(
        [sys.executable, "-m", "bot.records.redaction.gazetteer", str(path)], capture_output=True, text=True
    )
    if done.returncode != 0 or not path.exists():
        raise RuntimeError(
            "could not build the redaction names index; check that `names-dataset`, `english-words` and "
            f"`pycountry` are installed and that {path.parent} is writable: {done.stderr.strip()[-500:]}"
        )


@lru_cache(maxsize=1)
def load() -> Gazetteer:
    """The gazetteer, built on first use (in a child process) and read from its file after that."""
    path = index_path(get_settings().redaction_cache_dir)
    if not path.exists():
        _build_in_child(path)
    return _read(path)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
