"""The fake Messages API refuses what the real one refuses, the way it refuses it: raw HTTP requests get the
documented status, error type, message and a `request-id` header (each rule cites its page in
tests/support/fakes/anthropic_rules.py, anthropic_content.py, anthropic_versions.py), and the installed
SDK 2.x gets a normal answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anthropic
import pytest

from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.anthropic_messages import (
    BATCH_MAX_BYTES,
    MB,
    MESSAGES_MAX_BYTES,
    TOO_LARGE,
    byte_limit,
)

V2026, V2023 = "2026-10-21", "2023-06-01"
HELLO = [{"role": "user", "content": "Hello"}]
Answer = tuple[int, dict[str, Any], dict[str, str]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as server:
        server.responder = lambda body: {"ok": True}
        yield server


def body(model: str = "claude-sonnet-4-6", max_tokens: int = 1024, **fields: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": max_tokens, "messages": HELLO} | fields


async def post(
    fake: FakeAnthropic,
    payload: dict[str, Any],
    *,
    version: str | None = V2026,
    path: str = "/v1/messages",
    headers: dict[str, str] | None = None,
) -> Answer:
    sent = {"x-api-key": "test-key"} if headers is None else dict(headers)
    if version is not None:
        sent["anthropic-version"] = version
    async with aiohttp.ClientSession() as session:
        async with session.post(fake.base_url + path, json=payload, headers=sent) as response:
            return response.status, await response.json(), dict(response.headers)


def refused(answer: Answer, status: int, kind: str, fragment: str) -> None:
    code, data, headers = answer
    assert code == status, data
    assert data["type"] == "error" and data["error"]["type"] == kind, data
    assert fragment in data["error"]["message"], data
    assert headers.get("request-id"), headers


def accepted(answer: Answer) -> None:
    code, data, _ = answer
    assert code == 200 and data["type"] == "message", data


# -- API versions and authentication ------------------------------------------------------------------


async def test_a_missing_or_unknown_version_is_refused(fake):
    refused(await post(fake, body(), version=None), 400, "invalid_request_error", "header is required")
    unknown = await post(fake, body(), version="2026-13-45")
    refused(unknown, 400, "invalid_request_error", 'anthropic-version: "2026-13-45" is not a valid version')
    twice = await post(fake, body(), version=f"{V2023}, {V2023}")
    refused(twice, 400, "invalid_request_error", "is not a valid version")
    refused(
        await post(fake, {}, version=None, path="/v1/messages/count_tokens"),
        400,
        "invalid_request_error",
        "header is required",
    )


async def test_the_key_as_bearer_is_accepted_and_x_api_key_wins_over_it():
    async with FakeAnthropic(api_key="right") as fake:
        fake.responder = lambda body: {"ok": True}
        accepted(await post(fake, body(), headers={"authorization": "Bearer right"}))
        both = {"x-api-key": "wrong", "authorization": "Bearer right"}
        refused(await post(fake, body(), headers=both), 401, "authentication_error", "x-api-key")
        accepted(await post(fake, body(), headers={"x-api-key": "right", "authorization": "Bearer wrong"}))
        refused(await post(fake, body(), headers={}), 401, "authentication_error", "x-api-key")


@pytest.mark.parametrize("field", ["temperature", "top_p", "top_k"])
async def test_2026_10_21_refuses_sampling_parameters_even_at_their_defaults(fake, field):
    value = {"temperature": 1.0, "top_p": 0.99, "top_k": 40}[field]
    answer = await post(fake, body(**{field: value}))
    refused(answer, 400, "invalid_request_error", f"{field}: Extra inputs are not permitted")
    accepted(await post(fake, body(**{field: value}), version=V2023))  # Sonnet 4.6 accepts them there


async def test_2023_06_01_keeps_the_per_model_sampling_rules(fake):
    answer = await post(fake, body("claude-sonnet-5-5", temperature=0.5), version=V2023)
    refused(answer, 400, "invalid_request_error", "temperature: non-default values are not supported")


DOCUMENT = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Notes."}}
CITED = {
    "type": "text",
    "text": "As quoted.",
    "citations": [{"type": "char_location", "cited_text": "Notes.", "document_index": 0}],
}
SEARCH = {"type": "search_result", "source": "s", "title": "t", "content": [CITED]}


@pytest.mark.parametrize(
    ("messages", "fragment"),
    [
        (
            [HELLO[0], {"role": "assistant", "content": [DOCUMENT]}, {"role": "user", "content": "Go on"}],
            "messages.1.content.0: document blocks are not permitted in assistant messages",
        ),
        ([{"role": "user", "content": [CITED]}], "messages.0.content.0.citations"),
        ([{"role": "user", "content": [SEARCH]}], "messages.0.content.0.content.0.citations"),
    ],
    ids=["document-in-assistant", "user-citations", "citations-in-search-result"],
)
async def test_2026_10_21_refuses_assistant_documents_and_user_citations(fake, messages, fragment):
    refused(await post(fake, body(messages=messages)), 400, "invalid_request_error", fragment)
    accepted(await post(fake, body(messages=messages), version=V2023))


# -- models ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["claude-imaginary-9", "claude-3-opus-20240229"])
async def test_unknown_and_retired_models_are_not_found(fake, model):
    refused(await post(fake, body(model)), 404, "not_found_error", f"model: {model}")
    path = "/v1/messages/count_tokens"
    refused(await post(fake, body(model), path=path), 404, "not_found_error", f"model: {model}")


async def test_known_only_false_keeps_unknown_models_under_the_strictest_rules():
    async with FakeAnthropic(known_only=False) as fake:
        fake.responder = lambda body: {"ok": True}
        accepted(await post(fake, body("claude-imaginary-9")))
        strict = await post(fake, body("claude-imaginary-9", output_config={"effort": "low"}))
        refused(strict, 400, "invalid_request_error", "output_config.effort")


@pytest.mark.parametrize(
    ("model", "max_tokens", "ceiling"),
    [
        ("claude-haiku-4-5", 64_001, 64_000),
        ("claude-opus-5-5", 128_001, 128_000),
        ("claude-opus-4-5", 70_000, 64_000),
    ],
)
async def test_max_tokens_above_the_models_ceiling_is_refused(fake, model, max_tokens, ceiling):
    answer = await post(fake, body(model, max_tokens))
    refused(
        answer, 400, "invalid_request_error", f"max_tokens: {max_tokens} > {ceiling}, which is the maximum"
    )
    accepted(await post(fake, body(model, ceiling)))


async def test_sonnet_4_6_takes_its_documented_128k_output(fake):
    accepted(await post(fake, body("claude-sonnet-4-6", 128_000)))
    refused(await post(fake, body("claude-sonnet-4-6", 128_001)), 400, "invalid_request_error", "> 128000")


# -- content --------------------------------------------------------------------------------------------

TOOL = {"name": "move", "input_schema": {"type": "object", "properties": {}}}
USE = {"type": "tool_use", "id": "toolu_1", "name": "move", "input": {}}
RESULT = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "done"}
EMPTY = {"type": "text", "text": ""}


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        (
            {"tools": [{"name": "move", "input_schema": {"type": "array"}}]},
            "input_schema.type: Input should be 'object'",
        ),
        (
            {"tools": [{"name": "move", "input_schema": {"properties": {}}}]},
            "tools.0.custom.input_schema.type",
        ),
        ({"tools": [{"name": "move"}]}, "tools.0.custom.input_schema: Field required"),
        (
            {"messages": [{"role": "user", "content": [RESULT]}]},
            "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_1",
        ),
        (
            {
                "messages": [
                    HELLO[0],
                    {"role": "assistant", "content": [{**USE, "id": "toolu_2"}]},
                    {"role": "user", "content": [RESULT]},
                ]
            },
            "Each `tool_result` block must have a corresponding `tool_use` block in the previous message",
        ),
        (
            {
                "messages": [
                    HELLO[0],
                    {"role": "assistant", "content": [USE]},
                    {"role": "user", "content": "Hi"},
                ]
            },
            "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1",
        ),
        ({"system": [EMPTY]}, "system.0.text: text content blocks must be non-empty"),
        (
            {"messages": [{"role": "user", "content": [EMPTY]}]},
            "messages.0.content.0.text: text content blocks must be non-empty",
        ),
        ({"messages": [{"role": "user", "content": "  "}]}, "must contain non-whitespace text"),
        (
            {
                "system": [
                    {"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral", "ttl": "10m"}}
                ]
            },
            "system.0.cache_control.ephemeral.ttl: Input should be '5m' or '1h'",
        ),
    ],
    ids=[
        "schema-array",
        "schema-without-type",
        "no-schema",
        "result-without-use",
        "result-for-another-use",
        "use-without-result",
        "empty-system-block",
        "empty-message-block",
        "blank-message",
        "ttl-10m",
    ],
)
async def test_content_the_api_refuses_on_every_model(fake, fields, fragment):
    refused(await post(fake, body(**fields)), 400, "invalid_request_error", fragment)


async def test_well_formed_tools_results_and_ttls_are_accepted(fake):
    messages = [HELLO[0], {"role": "assistant", "content": [USE]}, {"role": "user", "content": [RESULT]}]
    system = [{"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]
    accepted(await post(fake, body(messages=messages, tools=[TOOL], system=system)))


# -- batches and the SDK --------------------------------------------------------------------------------


async def test_a_batch_checks_its_requests_under_the_version_it_was_created_with(fake):
    fake.batch_polls = 0  # ended at creation: its results can be read at once
    fake.batch_responder = lambda params: {"ok": True}
    items = [
        {"custom_id": "warm", "params": body(temperature=0.2)},
        {"custom_id": "ghost", "params": body("claude-imaginary-9")},
    ]
    for version, warm in ((V2026, "errored"), (V2023, "succeeded")):
        code, batch, _ = await post(fake, {"requests": items}, version=version, path="/v1/messages/batches")
        assert code == 200, batch
        headers = {"x-api-key": "test-key", "anthropic-version": version}
        async with aiohttp.ClientSession() as session:
            async with session.get(batch["results_url"], headers=headers) as response:
                lines = [json.loads(line) for line in (await response.text()).splitlines()]
        results = {line["custom_id"]: line["result"] for line in lines}
        assert results["warm"]["type"] == warm, results
        if warm == "errored":
            assert "temperature: Extra inputs are not permitted" in str(results["warm"]["error"])
        assert results["ghost"]["error"]["error"]["type"] == "not_found_error", results


async def test_the_installed_sdk_gets_a_normal_answer_with_bearer_and_2026_10_21(fake):
    assert anthropic.__version__.startswith("2.")
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=0)
    message = await client.messages.create(model="claude-sonnet-5-5", max_tokens=8192, messages=HELLO)
    assert message.stop_reason == "end_turn" and message.content[-1].type == "text"
    assert '"ok": true' in message.content[-1].text
    [request] = fake.message_requests
    assert request.headers["anthropic-version"] == V2026
    assert request.headers["authorization"] == "Bearer test-key" and "x-api-key" not in request.headers
    with pytest.raises(anthropic.NotFoundError) as raised:
        await client.messages.create(model="claude-imaginary-9", max_tokens=1024, messages=HELLO)
    assert raised.value.status_code == 404 and "model: claude-imaginary-9" in str(raised.value)


# -- request sizes --------------------------------------------------------------------------------------


def test_the_size_limits_are_the_documented_ones():
    """32 MB on the Messages API (errors page), 256 MB per Message Batch (batch-processing page)."""
    assert byte_limit("POST", "/v1/messages") == byte_limit("POST", "/v1/messages/count_tokens") == 32 * MB
    assert byte_limit("POST", "/v1/messages/batches") == 256 * MB == BATCH_MAX_BYTES


async def test_a_message_over_32_mb_is_refused_with_413_request_too_large(fake):
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=0)
    huge = [{"role": "user", "content": "x" * MESSAGES_MAX_BYTES}]
    with pytest.raises(anthropic.APIStatusError) as raised:
        await client.messages.create(model="claude-sonnet-5-5", max_tokens=1024, messages=huge)
    assert raised.value.status_code == 413 and "maximum allowed number of bytes" in str(raised.value)
    assert fake.rejections[-1][0] == 413 and not fake.usages
    await client.close()


async def test_a_message_batch_over_256_mb_is_refused_with_413_before_it_is_read(fake):
    """Announced by its Content-Length (sending 256 MB would make the test slow); the real API's front
    door refuses it the same way, without reading it."""
    reader, writer = await asyncio.open_connection(fake.host, fake.port)
    writer.write(
        b"POST /v1/messages/batches HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: test-key\r\n"
        b"anthropic-version: " + V2026.encode() + b"\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(BATCH_MAX_BYTES + 1).encode() + b"\r\n\r\n" + b'{"requests": ['
    )
    await writer.drain()
    head, _, rest = (await asyncio.wait_for(reader.read(65536), 5)).partition(b"\r\n\r\n")
    writer.close()
    assert head.startswith(b"HTTP/1.1 413"), head
    assert json.loads(rest)["error"] == {"type": "request_too_large", "message": TOO_LARGE}
    assert not fake.batch_requests[0].body and not fake._batches


@pytest.mark.parametrize(
    ("fault", "status", "kind", "wait", "code"),
    [
        ("rate_limit", 429, "rate_limit_error", "1", None),  # a rate limit always says how long to wait
        ("spend_cap", 429, "rate_limit_error", None, "enforced_spend_limit_reached"),
        ("spend_limit", 400, "invalid_request_error", None, None),
        ("billing", 402, "billing_error", None, None),
        ("timeout", 504, "timeout_error", None, None),
    ],
)
async def test_injected_faults_have_the_documented_shape(fake, fault, status, kind, wait, code):
    """https://platform.claude.com/docs/en/api/errors and .../api/rate-limits: status, error type,
    `error.details.error_code` where the error has one, retry-after only where the API sends it."""
    fake.fail_next(fault)
    answer = await post(fake, body())
    got, data, raw = answer
    headers = {k.lower(): v for k, v in raw.items()}
    assert (got, data["type"], data["error"]["type"]) == (status, "error", kind)
    assert headers.get("retry-after") == wait and headers.get("request-id") == data["request_id"]
    assert (data["error"].get("details") or {}).get("error_code") == code
    if fault == "spend_limit":
        assert data["error"]["message"].startswith("You have reached your specified API usage limits")
