"""Reading a CSV a researcher hands us, with one clear message for each way it can be unusable."""

from __future__ import annotations

from pathlib import Path

from bot.text_files import NotText, printable, read_text


def csv_text(path: Path, *, error: type[Exception], max_bytes: int, expected: str) -> str:
    """The file's text, or `error` saying why it is not a usable CSV; `expected` describes its header.
    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are accepted."""
    try:
        text = read_text(path, max_bytes=max_bytes, what=f"a CSV file with {expected}")
    except NotText as exc:
        raise error(str(exc)) from None
    if not text.strip():
        raise error(f"{printable(path)}: is empty; expected {expected} and one row each")
    return text
