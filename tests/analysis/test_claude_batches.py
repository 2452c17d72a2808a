"""Message Batches are cut by count and by bytes: the API takes at most 100,000 requests or 256 MB per
batch, whichever comes first (https://platform.claude.com/docs/en/build-with-claude/batch-processing),
and refuses a larger one whole with 413. The cutting is tested directly, and through the runner with its
byte limit lowered (sending 256 MB would make the tests slow); the fake's own 413 at the documented limit
is tested in tests/claude/test_fake_rules.py."""

from __future__ import annotations

import random

from bot.analysis.claude import runner
from bot.analysis.claude.batches import ENVELOPE_BYTES, oversized, request_bytes, split
from bot.analysis.claude.toolkit import toolkit
from bot.analysis.model import Segment
from tests.support.claude_analysis import ANSWERS, CODEBOOK, PLANTED, docs, present, settings


def test_batches_are_cut_by_count_and_by_bytes_in_order():
    sized = [(n, 100) for n in range(7)]
    assert split(sized, count=3, limit=10_000) == [[0, 1, 2], [3, 4, 5], [6]]
    assert split(sized, count=10, limit=ENVELOPE_BYTES + 200) == [[0, 1], [2, 3], [4, 5], [6]]
    assert split(sized, count=10, limit=ENVELOPE_BYTES + 199) == [[n] for n in range(7)]
    assert split([], count=10, limit=1_000) == []


def test_a_request_too_large_for_any_batch_is_left_out_and_the_others_still_cut():
    limit = ENVELOPE_BYTES + 250
    sized = [("a", 100), ("huge", 251), ("b", 100), ("c", 100)]
    assert oversized(251, limit) and not oversized(250, limit)
    assert split(sized, count=10, limit=limit) == [["a", "b"], ["c"]]


def test_no_batch_is_over_the_limit_or_the_count_and_none_could_have_taken_the_next_request():
    rng = random.Random(7)
    sized = [(n, rng.randint(1, 5_000)) for n in range(2_000)]
    limit, count = 20_000, 25
    runs = split(sized, count=count, limit=limit)
    assert [n for run in runs for n in run] == list(range(2_000))
    size = dict(sized)
    for run, following in zip(runs, runs[1:], strict=False):
        body = ENVELOPE_BYTES + sum(size[n] for n in run)
        assert body <= limit and len(run) <= count
        assert len(run) == count or body + size[following[0]] > limit  # cut only when it had to be
    assert ENVELOPE_BYTES + sum(size[n] for n in runs[-1]) <= limit


def test_a_requests_bytes_are_those_the_sdk_sends():
    request = {"custom_id": "coding-0", "params": {"messages": [{"content": 'café ☕ "quoted"\n'}]}}
    compact = '{"custom_id":"coding-0","params":{"messages":[{"content":"café ☕ \\"quoted\\"\\n"}]}}'
    assert request_bytes(request) == len(compact.encode("utf-8")) + 1  # and its comma


async def test_a_stage_too_large_for_one_batch_goes_in_several_each_under_the_byte_limit(fake, monkeypatch):
    kit = toolkit(settings(fake, analysis_batch_threshold=2))
    await kit.coder.code(docs(), CODEBOOK)
    [whole] = fake.batch_requests
    assert whole.size == ENVELOPE_BYTES + sum(request_bytes(r) for r in whole.body["requests"]) - 1
    limit = ENVELOPE_BYTES + 2 * max(request_bytes(r) for r in whole.body["requests"])
    monkeypatch.setattr(runner, "BATCH_BYTES", limit)  # two requests per batch
    kit = toolkit(settings(fake, analysis_batch_threshold=2))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert present(assignments) == PLANTED and all("failed" not in n for n in kit.coder.notes)
    batches = fake.batch_requests[1:]
    assert [len(b.body["requests"]) for b in batches] == [2, 2, 2]
    assert all(b.size <= limit for b in batches)
    assert [r["custom_id"] for b in batches for r in b.body["requests"]] == [f"coding-{n}" for n in range(6)]


async def test_a_request_too_large_for_any_batch_is_reported_and_the_others_are_coded(fake, monkeypatch):
    studied = docs()
    studied[2].segments.append(Segment("w-03", 9, "Anything else?", "It is a long story. " * 500))
    monkeypatch.setattr(runner, "BATCH_BYTES", 8_000)  # about 3 KB per request, 13 KB for w-03's
    kit = toolkit(settings(fake, analysis_batch_threshold=2))
    assignments = await kit.coder.code(studied, CODEBOOK)
    assert {a.interview for a in assignments} == set(ANSWERS) - {"w-03"}
    assert all(b.size <= 8_000 for b in fake.batch_requests)
    assert "coding-2" not in {r["custom_id"] for b in fake.batch_requests for r in b.body["requests"]}
    [note] = [n for n in kit.coder.notes if "w-03" in n]
    assert "1 of 6" in note and "more than a Message Batch may hold (8,000 bytes are sent at most)" in note


def test_the_projects_batch_limits_stay_under_the_apis():
    assert runner.BATCH_SIZE <= 100_000 and runner.BATCH_BYTES < 256 * 1_000_000
