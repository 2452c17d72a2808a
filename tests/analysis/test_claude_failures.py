"""The Claude mode of the analysis when Claude fails it: refused or malformed replies, errored batch items,
a rejected key, an overloaded API, an interrupted run. Nothing is filled in; the report's notes name each
interview left out and why."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.analysis.claude.toolkit import toolkit
from bot.analysis.model import Doc
from bot.claude.models import spec_for
from bot.claude.shape import retry_room
from bot.errors import AnalysisUnavailable
from tests.support.claude_analysis import ANSWERS, CODEBOOK, PLANTED, docs, present, settings
from tests.support.fakes.anthropic_api import FakeAnthropic


async def test_a_refused_request_is_reported_with_the_apis_own_reason(fake):
    fake.fail_next("invalid")  # the first coding request to arrive; the others are answered
    kit = toolkit(settings(fake))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert len({a.interview for a in assignments}) == len(ANSWERS) - 1
    reason = "the request failed: 400 BadRequestError: Invalid request (fake). (request id req_fake)"
    assert reason in kit.coder.notes[0], kit.coder.notes


async def test_a_coding_reply_slower_than_the_interviews_time_limit_is_waited_for(fake):
    """Coding may think: its time limit grows with its max_tokens (`reply_timeout`), so a reply that takes
    longer than ANTHROPIC_TIMEOUT_SECONDS is read, not cut off and asked again."""
    fake.fail_next("slow", delay=1.5)
    kit = toolkit(settings(fake, anthropic_timeout_seconds=0.5, anthropic_max_retries=0))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert {a.interview for a in assignments} == set(ANSWERS), kit.coder.notes
    assert len(fake.message_requests) == len(ANSWERS)  # none timed out and was sent again


async def test_an_item_that_keeps_failing_in_batches_is_reported_not_dropped(fake):
    fake.push_batch_result("coding-2", "errored", error_type="overloaded_error", message="Overloaded")
    kit = toolkit(settings(fake, analysis_batch_threshold=2))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert {a.interview for a in assignments} == set(ANSWERS) - {"w-03"}
    assert len(fake.batch_requests) == 3
    assert [r["custom_id"] for r in fake.batch_requests[-1].body["requests"]] == ["coding-2"]
    notes = kit.coder.notes[0]
    assert "1 of 6" in notes
    assert "w-03: errored in the batch (overloaded_error: Overloaded); gave up after 3 batches" in notes


@pytest.mark.parametrize("error_type", ["invalid_request_error", "request_too_large", "billing_error"])
async def test_an_item_that_errored_for_a_reason_a_resend_cannot_fix_fails_at_once(fake, error_type):
    """An invalid request must be fixed before it is sent again (batch-processing page): the item is
    reported after the first batch, with the API's own message, and not sent again in up to 3 more."""
    said = "messages.0.content.0.text: too long\n" + "x" * 400
    fake.push_batch_result("coding-2", "errored", error_type=error_type, message=said)
    kit = toolkit(settings(fake, analysis_batch_threshold=2))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert {a.interview for a in assignments} == set(ANSWERS) - {"w-03"}
    assert len(fake.batch_requests) == 1
    [note] = [n for n in kit.coder.notes if "w-03" in n]
    assert f"w-03: errored in the batch ({error_type}: messages.0.content.0.text: too long xxx" in note
    assert "x" * 300 not in note and "unusable twice" not in note and "gave up after" not in note


async def test_server_errors_expired_and_canceled_batch_items_are_sent_again(fake):
    for n, error_type in enumerate(["api_error", "overloaded_error", "rate_limit_error", "timeout_error"]):
        fake.push_batch_result(f"coding-{n}", "errored", error_type=error_type, once=True)
    fake.push_batch_result("coding-4", "expired", once=True)
    fake.push_batch_result("coding-5", "canceled", once=True)
    kit = toolkit(settings(fake, analysis_batch_threshold=2))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert {a.interview for a in assignments} == set(ANSWERS)
    assert [len(r.body["requests"]) for r in fake.batch_requests] == [6, 6]
    assert all("failed" not in note for note in kit.coder.notes)


async def test_a_malformed_reply_is_asked_for_again_once_then_the_interview_is_reported(fake, caplog):
    fake.push_text('{"codes": [{"id": "stigma", "present": tr', stop_reason="max_tokens")
    fake.push_tool_use({"codes": [{"id": "stigma", "present": True, "confidence": 0.9, "evidence": []}]})
    fake.push_tool_use({"codes": "none"})
    kit = toolkit(settings(fake))
    with caplog.at_level(logging.INFO):
        assignments = await kit.coder.code(docs(["w-01", "w-02"]), CODEBOOK)
    # The requests run concurrently, so which interview got the two bad replies is not fixed; one did.
    coded = {a.interview for a in assignments}
    assert len(coded) == 1 and len(assignments) == 3
    [failed] = set(ANSWERS) & {"w-01", "w-02"} - coded
    assert len(fake.message_requests) == 4
    limits = sorted(r.body["max_tokens"] for r in fake.message_requests)
    assert limits[-1] == 2 * limits[0]  # a reply cut off at max_tokens is asked for with twice the room
    [note] = kit.coder.notes[:1]
    assert f"{failed}: the reply was unusable twice" in note and "1 of 2" in note
    assert "hide my use" not in caplog.text and "my job might go" not in caplog.text


@pytest.mark.parametrize(
    ("model", "effort"),
    [("claude-sonnet-5-5", "max"), ("claude-sonnet-5-5", "xhigh"), ("claude-sonnet-4-6", "max")],
)
async def test_a_reply_cut_off_at_max_tokens_gets_twice_the_room_up_to_the_models_maximum(
    fake, model, effort
):
    """At effort max the first request already asks for more than 32,000 tokens: the retry must not get
    less room than that, only up to the model's own maximum output (64,000 on Sonnet 4.6)."""
    fake.push_text('{"codes": [{"id": "stigma", "present": tr', stop_reason="max_tokens")
    kit = toolkit(settings(fake, anthropic_model=model, anthropic_analysis_effort=effort))
    assignments = await kit.coder.code(docs(["w-01"]), CODEBOOK)
    assert {a.interview for a in assignments} == {"w-01"} and not fake.rejections
    first, second = (r.body["max_tokens"] for r in fake.message_requests)
    assert second == min(2 * first, spec_for(model).max_output) > first


async def test_a_batched_reply_cut_off_at_max_tokens_is_sent_again_with_twice_the_room(fake):
    fake.push_batch_result("coding-0", text='{"codes": [', stop_reason="max_tokens", once=True)
    kit = toolkit(settings(fake, analysis_batch_threshold=2, anthropic_analysis_effort="max"))
    await kit.coder.code(docs(["w-01", "w-02"]), CODEBOOK)
    first, second = (r.body["requests"] for r in fake.batch_requests)
    [again] = second
    assert again["custom_id"] == "coding-0"
    assert again["params"]["max_tokens"] == 2 * first[0]["params"]["max_tokens"] > 32_000


def test_the_retry_room_is_twice_as_much_within_the_models_maximum_and_never_less():
    sonnet_4_6 = spec_for("claude-sonnet-4-6")  # max_output 64,000
    assert retry_room(sonnet_4_6, 1_000) == 2_000
    assert retry_room(sonnet_4_6, 33_160) == 64_000
    assert retry_room(sonnet_4_6, 64_000) == 64_000
    assert retry_room(spec_for("claude-sonnet-5-5"), 33_160) == 66_320


FALLBACK = "claude-haiku-4-5"  # manual thinking and no effort: a request rebuilt for it, not renamed


async def test_a_refused_interview_is_asked_once_of_the_fallback_model_then_reported_not_coded(fake):
    fake.push_refusal()  # w-01: declined by both models
    fake.push_refusal()
    fake.push_refusal()  # w-02: declined, then coded by the fallback model (the responder answers)
    kit = toolkit(settings(fake, anthropic_fallback_model=FALLBACK, analysis_concurrency=1))
    assignments = await kit.coder.code(docs(["w-01", "w-02", "w-03"]), CODEBOOK)
    assert {a.interview for a in assignments} == {"w-02", "w-03"}
    assert present(assignments) == {p for p in PLANTED if p[0] in ("w-02", "w-03")}
    models = [r.body["model"] for r in fake.message_requests]
    assert models == ["claude-sonnet-5-5", FALLBACK, "claude-sonnet-5-5", FALLBACK, "claude-sonnet-5-5"]
    refit = fake.message_requests[1].body
    assert refit["thinking"]["type"] == "enabled" and "effort" not in refit.get("output_config", {})
    assert not fake.rejections  # the fallback's request was valid for it, not the main model's renamed
    note = kit.coder.notes[0]
    assert "1 of 3 interviews failed and are left out of the coded results" in note
    assert (
        f"w-01: Claude declined it (stop_reason refusal) on claude-sonnet-5-5 and then on {FALLBACK}" in note
    )


async def test_without_a_fallback_model_a_refusal_is_not_asked_again(fake):
    fake.push_refusal()
    kit = toolkit(settings(fake))
    assert await kit.coder.code(docs(["w-01"]), CODEBOOK) == []
    assert len(fake.message_requests) == 1
    assert "w-01: Claude declined it (stop_reason refusal) on claude-sonnet-5-5." in kit.coder.notes[0]


async def test_a_refusal_in_a_batch_goes_to_the_fallback_model_in_the_next_batch(fake):
    fake.push_batch_result("coding-1", "refusal", once=True)  # then coded by the fallback
    fake.push_batch_result("coding-4", "refusal", once=True)  # declined by both
    fake.push_batch_result("coding-4", "refusal", once=True)
    kit = toolkit(settings(fake, anthropic_fallback_model=FALLBACK, analysis_batch_threshold=5))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert {a.interview for a in assignments} == set(ANSWERS) - {"w-05"}
    first, second = (r.body["requests"] for r in fake.batch_requests)
    assert [(r["custom_id"], r["params"]["model"]) for r in second] == [
        ("coding-1", FALLBACK),
        ("coding-4", FALLBACK),
    ]
    assert all(r["params"]["model"] == "claude-sonnet-5-5" for r in first)
    note = kit.coder.notes[0]
    assert (
        "1 of 6" in note
        and f"w-05: Claude declined it (stop_reason refusal) on claude-sonnet-5-5 and then on {FALLBACK}"
        in note
    )


async def test_without_a_key_or_with_a_rejected_one_the_analysis_stops_with_how_to_fix_it(fake):
    with pytest.raises(AnalysisUnavailable, match="ANTHROPIC_API_KEY is not set"):
        toolkit(settings(fake, anthropic_api_key=None))
    async with FakeAnthropic(api_key="the-right-key") as strict:
        kit = toolkit(settings(strict, anthropic_api_key="wrong"))
        with pytest.raises(AnalysisUnavailable, match="rejected the API key"):
            await kit.coder.code(docs(), CODEBOOK)


@pytest.mark.parametrize(
    ("fault", "said"),
    [("spend_cap", "monthly spend cap"), ("spend_limit", "spend limit"), ("billing", "payment details")],
)
async def test_an_account_refusal_stops_the_analysis_at_once_saying_what_to_fix(fake, fault, said):
    """https://platform.claude.com/docs/en/api/errors: a 402, a spend limit (400) and the monthly spend
    cap (429 without retry-after) fail every request alike; the cap is not retried by the SDK either."""
    fake.fail_next(fault)
    with pytest.raises(AnalysisUnavailable, match=said):
        await toolkit(settings(fake, analysis_concurrency=1)).coder.code(docs(["w-02"]), CODEBOOK)
    assert len(fake.message_requests) == 1


async def test_an_overloaded_api_is_retried_by_the_sdk(fake):
    fake.fail_next("overloaded")
    assignments = await toolkit(settings(fake)).coder.code(docs(["w-02"]), CODEBOOK)
    assert present(assignments) == {("w-02", "anxiety")}
    assert [r.path for r in fake.requests] == ["/v1/messages", "/v1/messages"]


async def test_an_interview_without_answers_is_reported_without_a_request(fake):
    kit = toolkit(settings(fake))
    assert await kit.coder.code([Doc(code="w-empty")], CODEBOOK) == []
    assert not fake.requests
    assert "w-empty: no participant answers" in kit.coder.notes[0]


async def test_an_interrupted_run_cancels_its_batch(fake):
    fake.batch_polls = 1000  # the batch never ends on its own
    kit = toolkit(settings(fake, analysis_batch_threshold=2))
    task = asyncio.create_task(kit.coder.code(docs(["w-01", "w-02"]), CODEBOOK))
    for _ in range(500):  # until the batch has been polled twice
        if len([r for r in fake.requests if r.method == "GET"]) >= 2:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [batch] = fake.canceled_batches
    assert fake.requests[-1].path == f"/v1/messages/batches/{batch}/cancel"
