"""Hand-coding a gold sample in the terminal, and the agreement between two coders.

The sample is a seeded random draw from the interviews: random, so that the prediction-powered
correction of the code shares stays unbiased (a hand-picked sample would not be). What a coder codes is
fixed when the gold file is started and kept in a progress file next to it (`gold.csv.progress.json`),
so a session resumes on the same interviews even when the study has gained interviews since. After every
answer the gold CSV (the wide layout `labels.read_labels` reads: `transcript_id` plus one 0/1 column per
code, a skipped code left blank) and the progress file are replaced atomically.

Two coders can split a sample: `Part(1, 2)` and `Part(2, 2)` each code the first `overlap` interviews
of the sample, to measure agreement on, and every second interview of the rest.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule
from rich.text import Text

from bot.analysis.labels import Labels, read_labels
from bot.analysis.model import Code, Doc
from bot.analysis.stats import cohen_kappa, gwet_ac1
from bot.analysis.tables import safe
from bot.errors import AnalysisInputError
from bot.text_files import printable, write_text_atomic

PROGRESS_SUFFIX = ".progress.json"
DEFAULT_OVERLAP = 10  # interviews every part codes: enough for a first agreement figure, cheap for each coder
QUESTION_CHARS = 240  # the interviewer's question is context: shown dimmed and shortened
ANSWERS: dict[str, bool | None] = {"y": True, "yes": True, "1": True, "n": False, "no": False, "0": False}
ANSWERS |= {"s": None, "skip": None}  # an empty line is asked again: a stray Enter must not skip
PROMPT = "Present? [y]es / [n]o / [s]kip / [b]ack / [q]uit: "


@dataclass(frozen=True)
class Part:
    """Part `index` of `of` (1-based), as `--part 1/2` writes it."""

    index: int
    of: int

    @classmethod
    def parse(cls, text: str) -> Part:
        try:
            index, of = (int(x) for x in text.split("/"))
        except ValueError:
            index, of = 0, 0
        if of < 2 or not 1 <= index <= of:
            raise AnalysisInputError(
                f"--part {text!r}: write i/k with 1 <= i <= k and k >= 2, e.g. --part 1/2"
            )
        return cls(index, of)

    def __str__(self) -> str:
        return f"{self.index}/{self.of}"


def draw(ids: Sequence[str], n: int, seed: int) -> list[str]:
    """`n` interview ids drawn at random without replacement; the same ids and seed give the same draw."""
    if n > len(ids):
        raise AnalysisInputError(
            f"--n {n} is more than the {len(ids)} interview(s) with answers; lower --n to at most {len(ids)}"
        )
    return random.Random(seed).sample(sorted(ids), n)


def part_of(sample: Sequence[str], part: Part | None, overlap: int) -> list[str]:
    """The interviews one coder codes: the shared first `overlap`, then every `of`-th of the rest."""
    if part is None:
        return list(sample)
    if overlap > len(sample):
        raise AnalysisInputError(f"--overlap {overlap} is more than the sample (--n {len(sample)}); lower it")
    mine = list(sample[:overlap]) + list(sample[overlap:][part.index - 1 :: part.of])
    if not mine:  # nothing to code would still write an empty gold file and report success
        raise AnalysisInputError(
            f"--part {part}: this part gets no interview (a sample of {len(sample)}, {overlap} shared, split "
            f"{part.of} ways); use fewer parts, a larger --n or a larger --overlap"
        )
    return mine


@dataclass
class Plan:
    """What one gold file codes; fixed when the file is started."""

    seed: int
    n: int
    part: str | None  # "1/2", or None for the whole sample
    overlap: int
    codes: list[str]
    interviews: list[str]  # in coding order
    coder: str | None = None


def plan(
    ids: Sequence[str],
    codes: list[Code],
    *,
    n: int,
    seed: int,
    part: Part | None = None,
    overlap: int | None = None,
    coder: str | None = None,
) -> Plan:
    """Draw the sample and the share of it this coder codes."""
    shared = min(DEFAULT_OVERLAP, n) if overlap is None else overlap
    chosen = part_of(draw(ids, n, seed), part, shared)
    return Plan(
        seed, n, str(part) if part else None, shared if part else 0, [c.id for c in codes], chosen, coder
    )


@dataclass
class GoldFile:
    """A gold CSV being coded, with its progress file: which (interview, code) pairs were answered."""

    path: Path
    plan: Plan
    values: Labels = field(default_factory=dict)  # interview -> code -> present; a skip is absent
    done: dict[str, list[str]] = field(default_factory=dict)  # interview -> codes answered, skips included

    @property
    def progress_path(self) -> Path:
        return self.path.with_name(self.path.name + PROGRESS_SUFFIX)

    @property
    def answered(self) -> int:
        """Answers given so far, skips included."""
        return sum(len(codes) for codes in self.done.values())

    @property
    def total(self) -> int:
        return len(self.plan.interviews) * len(self.plan.codes)

    def set(self, interview: str, code: str, value: bool | None) -> None:
        """Record one answer (None: skipped) and save both files."""
        row = self.values.setdefault(interview, {})
        if value is None:
            row.pop(code, None)
        else:
            row[code] = value
        answered = self.done.setdefault(interview, [])
        if code not in answered:
            answered.append(code)
        self.save()

    def save(self) -> None:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["transcript_id", *self.plan.codes])
        for interview in (i for i in self.plan.interviews if i in self.done):
            row = self.values.get(interview, {})
            writer.writerow(
                [safe(interview), *("" if c not in row else int(row[c]) for c in self.plan.codes)]
            )
        write_text_atomic(self.path, out.getvalue())
        state = {"plan": asdict(self.plan), "done": self.done}
        write_text_atomic(self.progress_path, json.dumps(state, indent=1, ensure_ascii=False) + "\n")


def open_gold(path: Path, fresh: Plan) -> GoldFile:
    """Start `path` with `fresh`, or resume it when it was started with the same sample settings."""
    gold = GoldFile(Path(path), fresh)
    if gold.path.is_dir():
        raise AnalysisInputError(
            f"--out {printable(path)} is a folder; give a file path such as {printable(path)}/gold.csv"
        )
    if not gold.path.exists():
        gold.path.parent.mkdir(parents=True, exist_ok=True)
        gold.save()  # fails here, before any coding, when the folder cannot be written
        return gold
    if not gold.progress_path.exists():
        raise AnalysisInputError(
            f"{printable(path)} exists but has no {gold.progress_path.name} next to it, so it was not started by "
            "`codebook label`; choose another --out (or move the file away)"
        )
    return _resumed(gold, fresh)


def _resumed(gold: GoldFile, fresh: Plan) -> GoldFile:
    try:
        state = json.loads(gold.progress_path.read_text(encoding="utf-8"))
        stored = Plan(**state["plan"])
        done = {str(k): [str(c) for c in v] for k, v in state["done"].items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise AnalysisInputError(
            f"{printable(gold.progress_path)}: unreadable progress file ({exc}); choose another --out to start afresh"
        ) from None
    given = (fresh.seed, fresh.n, fresh.part, fresh.overlap, fresh.codes)
    if given != (stored.seed, stored.n, stored.part, stored.overlap, stored.codes):
        raise AnalysisInputError(
            f"{printable(gold.path)} was started with --seed {stored.seed} --n {stored.n}"
            + (f" --part {stored.part} --overlap {stored.overlap}" if stored.part else "")
            + f" and the codes {', '.join(stored.codes)}; resume with those, or choose another --out"
        )
    values = read_labels(gold.path, blank_ok=True) if done else {}
    stored.coder = fresh.coder or stored.coder
    return GoldFile(gold.path, stored, values, done)


class Session:
    """Asks yes/no/skip for each interview and code in order; `b` goes back one answer, `q` quits."""

    def __init__(
        self,
        gold: GoldFile,
        docs: dict[str, Doc],
        codebook: list[Code],
        console: Console,
        read: Callable[[], str],
    ) -> None:
        self.gold, self.docs, self.console, self.read = gold, docs, console, read
        self.codes = {c.id: c for c in codebook}
        self.steps = [(i, c) for i in gold.plan.interviews for c in gold.plan.codes]
        self.position = next(
            (k for k, (i, c) in enumerate(self.steps) if c not in gold.done.get(i, [])), len(self.steps)
        )
        self.input_ended = False  # the input ran out (a pipe or a file) before every step was answered

    def run(self) -> bool:
        """True when every step is answered; False when the coder quit (everything is saved either way)."""
        shown: str | None = None
        while self.position < len(self.steps):
            interview, code = self.steps[self.position]
            if interview != shown:
                self.show_interview(interview)
                shown = interview
            self.show_code(interview, code)
            reply = self.ask()
            if reply == "q":
                return False
            if reply == "b":
                self.position = max(0, self.position - 1)
                continue
            self.gold.set(interview, code, ANSWERS[reply])
            self.position += 1
        return True

    def ask(self) -> str:
        """A valid reply; end of input counts as quitting."""
        while True:
            self.console.print(PROMPT, end="", markup=False, highlight=False)
            line = self.read()
            if not line:
                self.console.print()
                self.input_ended = True
                return "q"
            reply = line.strip().lower()
            if reply in ANSWERS or reply in ("b", "back", "q", "quit"):
                return reply[0] if reply in ("back", "quit") else reply
            self.console.print(f"{reply!r} is not an answer: type y, n, s, b or q.", markup=False)

    def show_interview(self, interview: str) -> None:
        order = self.gold.plan.interviews
        self.console.print(
            Rule(f"Interview {order.index(interview) + 1} of {len(order)}: {escape(interview)}")
        )
        doc = self.docs.get(interview)
        if doc is None:
            self.console.print(
                "(this interview is no longer in the source; answer s to skip it)", style="bold"
            )
            return
        for segment in doc.segments:
            question = " ".join(segment.question.split())
            if len(question) > QUESTION_CHARS:
                question = question[: QUESTION_CHARS - 1] + "\u2026"
            if question:
                self.console.print(Text(f"Q: {question}", style="dim"))
            self.console.print(Text(f"A: {segment.answer.strip()}"))

    def show_code(self, interview: str, code_id: str) -> None:
        code = self.codes.get(code_id)
        number = self.gold.plan.codes.index(code_id) + 1
        label = code.label if code else code_id
        self.console.print()
        self.console.print(Text(f"Code {number} of {len(self.gold.plan.codes)}: {label}", style="bold"))
        if code is not None:
            self.console.print(Text(code.definition))
            for name, lines in (("counts", code.include), ("does not count", code.exclude)):
                if lines:
                    self.console.print(Text(f"  {name}: " + "; ".join(lines), style="italic"))
        if code_id in self.gold.done.get(interview, []):
            now = self.gold.values.get(interview, {}).get(code_id)
            self.console.print(f"  answered before: {'skip' if now is None else 'yes' if now else 'no'}")


@dataclass
class CoderAgreement:
    """Agreement between two coders on one code, over the interviews both coded for it."""

    code: str
    n: int
    kappa: float | None
    ac1: float | None
    agreement: float | None  # share of interviews with the same answer
    disagreements: list[str]  # interview ids


def coder_agreement(a: Labels, b: Labels) -> list[CoderAgreement]:
    """Per code, in the order the codes first appear; AnalysisInputError when the files share no interview."""
    shared = [i for i in a if i in b]
    if not shared:
        raise AnalysisInputError(
            "the two files share no interview, so there is nothing to compare; code an overlap with "
            "`--part 1/2` and `--part 2/2` (the first --overlap interviews are shared) or the same sample"
        )
    codes = list(dict.fromkeys(c for labels in (a, b) for i in shared for c in labels[i]))
    if not any(c in a[i] and c in b[i] for c in codes for i in shared):
        raise AnalysisInputError(
            f"the two files share {len(shared)} interview(s) but no code that both coded on them (first: "
            f"{_codes(a)}; second: {_codes(b)}); code with the same codebook, whose code ids are the columns"
        )
    out = []
    for code in codes:
        both = [i for i in shared if code in a[i] and code in b[i]]
        x, y = [a[i][code] for i in both], [b[i][code] for i in both]
        out.append(
            CoderAgreement(
                code=code,
                n=len(both),
                kappa=cohen_kappa(x, y) if both else None,
                ac1=gwet_ac1(x, y) if both else None,
                agreement=sum(p == q for p, q in zip(x, y, strict=True)) / len(both) if both else None,
                disagreements=[i for i, p, q in zip(both, x, y, strict=True) if p != q],
            )
        )
    return out


def _codes(labels: Labels) -> str:
    return ", ".join(dict.fromkeys(c for row in labels.values() for c in row)) or "none"


def merged(a: Labels, b: Labels) -> tuple[Labels, list[str]]:
    """Both coders' labels in one gold set, and its codes; refused while any answer differs."""
    rows = coder_agreement(a, b) if set(a) & set(b) else []
    left = sum(len(r.disagreements) for r in rows)
    if left:
        raise AnalysisInputError(
            f"{left} answer(s) still differ between the two files; settle each one, write the agreed "
            "answer into both files and merge again"
        )
    out: Labels = {}
    for labels in (a, b):
        for interview, row in labels.items():
            out.setdefault(interview, {}).update(row)
    codes = list(dict.fromkeys(c for labels in (a, b) for row in labels.values() for c in row))
    return out, codes
