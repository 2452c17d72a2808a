"""Reading a CSV a researcher hands us, with one clear message for each way it can be unusable."""

from __future__ import annotations

from pathlib import Path


def csv_text(path: Path, *, error: type[Exception], max_bytes: int, expected: str) -> str:
    """The file's text, or `error` saying why it is not a usable UTF-8 CSV; `expected` describes its header."""
    if not path.exists():
        raise error(f"{path}: no such file; check the path")
    if not path.is_file():
        raise error(f"{path}: is not a file; give the path of a CSV file")
    if path.stat().st_size > max_bytes:
        raise error(
            f"{path}: is larger than {max_bytes // 2**20:,} MB; is it the right file? Split it and retry"
        )
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise error(f"{path}: looks binary (it has NUL bytes); expected a UTF-8 CSV with {expected}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the file as 'CSV UTF-8' and retry"
        ) from None
    if not text.strip():
        raise error(f"{path}: is empty; expected {expected} and one row each")
    return text
