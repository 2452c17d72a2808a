"""Cuts a stage's batch requests into Message Batches the API accepts.

A Message Batch holds at most 100,000 requests or 256 MB, whichever comes first
(https://platform.claude.com/docs/en/build-with-claude/batch-processing, "Batch limitations"); a larger
one is refused whole with 413 request_too_large, and would be again on every rerun. So batches are cut
by count and by the size of the JSON body the SDK sends (compact, UTF-8: `anthropic._utils._json`).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

T = TypeVar("T")
ENVELOPE_BYTES = len(b'{"requests":[]}')  # the body around the requests


def request_bytes(request: dict[str, Any]) -> int:
    """The bytes one request adds to a batch body: its compact UTF-8 JSON and the comma after it."""
    text = json.dumps(request, ensure_ascii=False, separators=(",", ":"), default=str)
    return len(text.encode("utf-8")) + 1


def split(sized: list[tuple[T, int]], *, count: int, limit: int) -> list[list[T]]:
    """The items, in order, cut into runs of at most `count` items whose body (their sizes plus the
    envelope) stays within `limit` bytes. An item too large for any batch is left out: see `oversized`."""
    runs: list[list[T]] = []
    run: list[T] = []
    total = ENVELOPE_BYTES
    for item, size in sized:
        if oversized(size, limit):
            continue
        if run and (len(run) >= count or total + size > limit):
            runs.append(run)
            run, total = [], ENVELOPE_BYTES
        run.append(item)
        total += size
    if run:
        runs.append(run)
    return runs


def oversized(size: int, limit: int) -> bool:
    """Whether one request of `size` bytes is too large even for a batch of its own."""
    return ENVELOPE_BYTES + size > limit
