"""Text files people hand us (CSV, YAML), decoded the way spreadsheet and editor exports come.

UTF-8 (with or without a byte-order mark) and UTF-16 or UTF-32 with a byte-order mark are read as they
are. Anything else is refused with one line that names what the file looks like (binary, UTF-16 without
a mark, Windows-1252/Latin-1) and how to save it instead.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

SAMPLE = 65536  # bytes looked at to tell binary files and encodings apart
_MARKS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SAVE_AS = "save it as UTF-8 (in a spreadsheet: 'CSV UTF-8'; in an editor: 'UTF-8') and try again"


def printable(value: object) -> str:
    """`value` (a path, an id, an argument a user gave) as text that is safe to print in a message: each
    control or invisible character is escaped as Python writes it ('\\x1b', '\\n', '\\u202e'), so a file
    name can neither colour the terminal nor split or reorder a message line. Printable text is kept as it
    is, so applying it twice changes nothing."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class NotText(ValueError):
    """The file cannot be read as text; the message names the file, what it looks like and the fix."""


def read_text(path: Path, *, max_bytes: int, what: str) -> str:
    """The text of `path` (`what` describes the expected content, e.g. "a study YAML file")."""
    name = printable(path)
    if not path.exists():
        raise NotText(f"{name}: no such file; check the path")
    if path.is_dir():
        raise NotText(f"{name}: is a folder; give the path of {what}")
    if not path.is_file():
        raise NotText(f"{name}: is not a regular file; give the path of {what}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise NotText(
                f"{name}: is {size:,} bytes, over the {max_bytes:,}-byte limit for {what}; is it the right file?"
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise NotText(f"{name}: cannot be read ({exc.strerror or exc}); check its permissions") from None
    if len(data) > max_bytes:
        raise NotText(f"{name}: is over the {max_bytes:,}-byte limit for {what}; is it the right file?")
    return decode(data, name, what)


def decode(data: bytes, name: str, what: str) -> str:
    """The text of `data` read from the file `name`; NotText naming it otherwise."""
    name = printable(name)
    for mark, encoding in _MARKS:
        if data.startswith(mark):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise NotText(
                    f"{name}: starts like {encoding.upper()} text but byte {exc.start} is not; {SAVE_AS}"
                ) from None
    sample = data[:SAMPLE]
    if b"\x00" in data:  # past the sample too: PostgreSQL stores no NUL, and no text file holds one
        stray = _stray_nul(sample) if b"\x00" in sample else _late_nul(data)
        if stray:
            line, at = stray
            raise NotText(
                f"{name}:{line}: a NUL byte (byte {at}) in what is otherwise {what}; delete it in an editor "
                "and save again"
            )
        raise NotText(f"{name}: {_nul_kind(sample)}; expected {what}. If it is text, {SAVE_AS}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NotText(
            f"{name}:{line}: not UTF-8 text (byte {exc.start}); it looks like {_guess(data)}. {SAVE_AS[0].upper()}"
            f"{SAVE_AS[1:]}"
        ) from None


def _late_nul(data: bytes) -> tuple[int, int]:
    """The line and offset of the first NUL byte of a file whose start reads as text."""
    at = data.index(b"\x00")
    return data.count(b"\n", 0, at) + 1, at


def _stray_nul(sample: bytes) -> tuple[int, int] | None:
    """The line and offset of a NUL byte that does not belong in a text file (readable text before it
    and after it, as a bad copy and paste or a damaged save leaves), or None for a binary or UTF-16 file."""
    at = sample.index(b"\x00")
    rest = sample[at:].lstrip(b"\x00")[:256]
    if at < 8 or not _readable(sample[:at]) or (rest and not _readable(rest)) or sample.count(0) > 16:
        return None
    return sample[:at].count(b"\n") + 1, at


def _nul_kind(sample: bytes) -> str:
    """What a file with NUL bytes and no byte-order mark most likely is: UTF-16 text has a NUL in every
    other byte and readable characters in the rest."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 8 and odd.count(0) > 0.4 * len(odd) and _readable(even):
        return "looks like UTF-16 (little-endian) without a byte-order mark"
    if len(sample) >= 8 and even.count(0) > 0.4 * len(even) and _readable(odd):
        return "looks like UTF-16 (big-endian) without a byte-order mark"
    return "looks binary (it has NUL bytes), not text"


def _readable(half: bytes) -> bool:
    return sum(1 for b in half if 32 <= b < 127 or b in (9, 10, 13)) > 0.8 * len(half)


def _guess(data: bytes) -> str:
    """A name for the 8-bit encoding a non-UTF-8 text file most likely uses."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "an 8-bit encoding such as Latin-1 (ISO-8859-1)"
    return "Windows-1252 (Latin-1)"


def write_text_atomic(path: Path, text: str) -> None:
    """Write `path` in one step (a temporary file beside it, then renamed over it), so a full disk or an
    interruption leaves the previous file whole; an error names `path`, not the temporary file."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # no such folder, or not writable: name the file asked for
        raise type(exc)(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise type(exc)(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
