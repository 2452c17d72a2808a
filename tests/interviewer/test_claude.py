"""ClaudeInterviewer through the real anthropic SDK against the local fake Messages API."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import anthropic
import pytest

from bot.errors import InterviewerUnavailable
from bot.interview.moves import Guidance, MoveKind, TopicState, Usage
from bot.interviewer.base import InterviewContext, Turn
from bot.interviewer.claude import ClaudeInterviewer
from bot.interviewer.prompt import OPENING_NOTE, render_plan
from bot.settings import Settings
from bot.studies.study import Study, parse_study
from tests.support.fakes.anthropic_api import FakeAnthropic
from tests.support.fakes.anthropic_model import strip_cache_control

STUDY: Study = parse_study(
    {
        "id": "tools-at-work",
        "title": "New tools at work",
        "audience": "Primary school teachers",
        "research_goal": "Understand how teachers decide whether to adopt a new digital tool.",
        "hypotheses": ["Colleagues matter more than official training."],
        "consent": {"text": "This is a short research interview. Do you agree to take part?"},
        "screening": [{"id": "role", "question": "What do you teach?", "kind": "text"}],
        "plan": {
            "intro": "Thanks for joining; this takes about ten minutes.",
            "budget": {"minutes": 10, "max_questions": 8},
            "topics": [
                {
                    "id": "recent-tool",
                    "goal": "A concrete recent adoption decision.",
                    "question": "Tell me about the last new tool you tried in your teaching.",
                    "probes": ["who suggested it", "What happened the first time you used it?"],
                    "priority": "must",
                    "max_followups": 2,
                },
                {
                    "id": "support",
                    "goal": "Where help comes from.",
                    "question": "When a tool gives you trouble, where do you turn?",
                    "priority": "should",
                    "max_followups": 1,
                },
            ],
            "closing": "That is all. Thank you for your time!",
        },
        "support": "If anything here was difficult, you can reach the staff helpline at 0800 000 000.",
    },
    "test study",
)

GOOD = {
    "message": "Tell me about the last new tool you tried in your teaching.",
    "move": "ask",
    "topic_id": "recent-tool",
    "covered_topics": [],
    "flags": [],
}


def context(transcript: tuple[tuple[str, str], ...] = (), **guidance: Any) -> InterviewContext:
    turns = tuple(Turn(role, text) for role, text in transcript)
    started = bool(turns)
    defaults: dict[str, Any] = {
        "current_topic": "recent-tool" if started else None,
        "may_probe": True,
        "next_topic": "support" if started else "recent-tool",
        "must_close": False,
        "questions_left": 8,
        "minutes_left": 10.0,
    }
    return InterviewContext(
        study=STUDY,
        transcript=turns,
        topics=(TopicState("recent-tool", asked=started), TopicState("support")),
        guidance=Guidance(**(defaults | guidance)),
        screening={"role": "Year 3, all subjects"},
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as server:
        yield server


@pytest.fixture
async def make(fake: FakeAnthropic) -> AsyncIterator[Callable[..., ClaudeInterviewer]]:
    """Builds interviewers pointed at the fake, with small timeouts and retries; closes them afterwards."""
    made: list[ClaudeInterviewer] = []

    def build(**overrides: Any) -> ClaudeInterviewer:
        options: dict[str, Any] = {
            "api_key": "test-key",
            "base_url": fake.base_url,
            "model": "claude-sonnet-5-5",  # the README default
            "max_tokens": 256,
            "timeout": 5.0,
            "max_retries": 2,
        } | overrides
        made.append(ClaudeInterviewer(**options))
        return made[-1]

    yield build
    for interviewer in made:
        await interviewer.aclose()


def flatten(body: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The request in the order the cache reads it, one JSON string per block; and the breakpoint indices."""
    parts: list[tuple[Any, ...]] = [("tools", tool) for tool in body.get("tools", [])]
    parts += [("system", block) for block in body["system"]]
    for i, message in enumerate(body["messages"]):
        parts += [(i, message["role"], block) for block in message["content"]]
    marks = [n for n, part in enumerate(parts) if "cache_control" in part[-1]]
    return [json.dumps(strip_cache_control(list(p)), sort_keys=True) for p in parts], marks


async def test_tool_use_reply_becomes_a_move_with_usage(fake, make):
    fake.push_tool_use(
        {
            "message": "  What happened next?  ",
            "move": "probe",
            "topic_id": "recent-tool",
            "covered_topics": ["recent-tool"],
            "flags": ["off_topic"],
        },
        model="claude-test-20990101",
        usage={
            "input_tokens": 120,
            "output_tokens": 30,
            "cache_read_input_tokens": 900,
            "cache_creation_input_tokens": None,
        },
    )
    move = await make().next_move(
        context((("interviewer", "Tell me..."), ("participant", "We tried a quiz app.")))
    )
    assert move.kind is MoveKind.PROBE
    assert move.text == "What happened next?"
    assert (move.topic_id, move.covered, move.flags) == ("recent-tool", ("recent-tool",), ("off_topic",))
    assert move.model == "claude-test-20990101"
    assert move.usage == Usage(
        input_tokens=120, output_tokens=30, cache_read_tokens=900, cache_write_tokens=0
    )


async def test_request_asks_for_structured_output_without_forcing_and_keeps_the_cached_prefix(fake, make):
    """No forced tool (a 400 on the default model); each request's prefix up to its last breakpoint reappears
    unchanged at the start of the next one."""
    interviewer = make()
    transcripts = [
        (),
        (
            ("interviewer", "Tell me about the last new tool you tried."),
            ("participant", "A quiz app, in May."),
        ),
        (
            ("interviewer", "Tell me about the last new tool you tried."),
            ("participant", "A quiz app, in May."),
            ("interviewer", "What happened the first time you used it?"),
            ("participant", "The wifi died."),
        ),
    ]
    moves = []
    for transcript in transcripts:
        fake.push_tool_use(GOOD)
        moves.append(await interviewer.next_move(context(transcript)))
    bodies = [r.body for r in fake.message_requests]
    assert len(bodies) == 3

    for body in bodies:
        assert "tool_choice" not in body and "tools" not in body
        assert body["output_config"]["format"]["schema"]["properties"]["move"]["enum"][0] == "ask"
        assert body["thinking"] == {"type": "between_tools"} and body["output_config"]["effort"] == "low"
        assert body["system"][-1]["cache_control"] == {"type": "ephemeral", "ttl": "5m"}
        roles = [m["role"] for m in body["messages"]]
        assert roles[0] == roles[-1] == "user"
        assert all(a != b for a, b in zip(roles, roles[1:], strict=False)), roles
        final = body["messages"][-1]["content"]
        assert "cache_control" in final[-2] and "cache_control" not in final[-1]
        assert final[-1]["text"].startswith("<interview_state>")
        _, marks = flatten(body)
        assert len(marks) == 2 <= 4
    assert bodies[0]["messages"][0]["content"][0]["text"] == OPENING_NOTE

    for earlier, later in zip(bodies, bodies[1:], strict=False):
        blocks, marks = flatten(earlier)
        later_blocks, _ = flatten(later)
        cut = marks[-1] + 1
        assert later_blocks[:cut] == blocks[:cut]
        for key in ("model", "max_tokens", "output_config", "thinking"):
            assert later[key] == earlier[key]

    reads = [move.usage.cache_read_tokens for move in moves]
    assert moves[0].usage.cache_write_tokens > 0
    assert 0 < reads[1] < reads[2]


async def test_system_prompt_holds_the_plan_and_is_identical_across_turns(fake, make):
    interviewer = make()
    for transcript in [(), (("interviewer", "Tell me..."), ("participant", "Sure."))]:
        fake.push_tool_use(GOOD)
        await interviewer.next_move(context(transcript))
    first, second = (r.body["system"] for r in fake.message_requests)
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    text = first[0]["text"]
    for topic in STUDY.plan.topics:
        assert topic.question in text and f"`{topic.id}`" in text
    assert render_plan(STUDY) in text
    assert "never claim" in text.lower()


async def test_state_note_carries_guidance_and_participant_words_are_quoted_before_it(fake, make):
    fake.push_tool_use(GOOD)
    ctx = context((("interviewer", "Q"), ("participant", "A")), may_probe=False, questions_left=3)
    ctx = InterviewContext(**{**ctx.__dict__, "earlier_summary": "Used a quiz app; liked it."})
    await make().next_move(ctx)
    body = fake.message_requests[0].body
    note = body["messages"][-1]["content"][-1]["text"]
    assert "Questions left: 3" in note
    assert "do not probe" in note and "`support`" in note
    assert "Year 3, all subjects" not in note and "Used a quiz app" not in note
    quoted = body["messages"][0]["content"][1]["text"]
    assert "<participant_words" in quoted and "Year 3, all subjects" in quoted
    assert "Used a quiz app; liked it." in quoted
    assert note not in fake.message_requests[0].body["system"][0]["text"]


async def test_consecutive_turns_merge_and_an_unanswered_question_still_ends_with_user(fake, make):
    fake.push_tool_use(GOOD)
    transcript = (
        ("participant", "hello?"),
        ("interviewer", "Q1"),
        ("participant", "part one"),
        ("participant", ""),
        ("interviewer", "Q2"),
    )
    await make().next_move(context(transcript))
    messages = fake.message_requests[0].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert [b["text"] for b in messages[0]["content"]][::2] == [OPENING_NOTE, "hello?"]
    assert [b["text"] for b in messages[2]["content"]] == ["part one", "(empty message)"]
    assert messages[3]["content"][-1]["cache_control"] == {"type": "ephemeral", "ttl": "5m"}
    assert all("cache_control" not in block for block in messages[4]["content"])


async def test_rate_limit_is_retried_after_the_retry_after_delay(fake, make):
    fake.fail_next("rate_limit", retry_after=1)
    fake.push_tool_use(GOOD)
    move = await make().next_move(context())
    assert move.kind is MoveKind.ASK
    first, second = fake.message_requests
    assert second.at - first.at >= 0.9
    assert second.headers["x-stainless-retry-count"] == "1"


@pytest.mark.parametrize("fault", ["overloaded", "api_error"])
async def test_server_errors_are_retried_then_succeed(fake, make, fault):
    fake.fail_next(fault, retry_after=0.05)
    fake.push_tool_use(GOOD)
    move = await make().next_move(context())
    assert move.text == GOOD["message"]
    assert len(fake.message_requests) == 2


async def test_slow_reply_beyond_the_timeout_is_retried(fake, make):
    fake.fail_next("slow", delay=3.0)
    fake.push_tool_use(GOOD)
    move = await make(timeout=0.5).next_move(context())
    assert move.kind is MoveKind.ASK
    first, second = fake.message_requests
    assert second.at - first.at >= 0.5


@pytest.mark.parametrize(("mode", "expected"), [("overloaded", "Overloaded"), ("refused", "could not reach")])
async def test_outage_raises_unavailable_and_recovery_works(fake, make, mode, expected):
    """The first call leaves a kept-alive connection behind, which the outage must break too."""
    interviewer = make(max_retries=1)
    fake.push_tool_use(GOOD)
    await interviewer.next_move(context())
    await fake.go_down(mode, retry_after=0.05)
    with pytest.raises(InterviewerUnavailable, match=expected):
        await interviewer.next_move(context())
    if mode == "overloaded":
        assert len(fake.message_requests) == 3  # one before the outage, then a try and max_retries=1 retry
    await fake.recover()
    fake.push_tool_use(GOOD)
    move = await interviewer.next_move(context())
    assert move.kind is MoveKind.ASK


async def test_bad_api_key_names_the_setting_and_is_not_retried(make):
    async with FakeAnthropic(api_key="the-right-key") as strict:
        interviewer = make(base_url=strict.base_url, api_key="a-wrong-key")
        with pytest.raises(InterviewerUnavailable, match="ANTHROPIC_API_KEY"):
            await interviewer.next_move(context())
        assert len(strict.requests) == 1


def test_missing_api_key_fails_fast_naming_the_setting():
    with pytest.raises(InterviewerUnavailable, match="ANTHROPIC_API_KEY"):
        ClaudeInterviewer(Settings(_env_file=None, anthropic_api_key=None))


async def test_settings_supply_the_client_options(fake):
    settings = Settings(
        _env_file=None,
        anthropic_api_key="test-key",
        anthropic_base_url=fake.base_url,
        anthropic_model="claude-sonnet-5",
        anthropic_max_tokens=300,
        anthropic_max_retries=0,
    )
    interviewer = ClaudeInterviewer(settings)
    fake.push_tool_use(GOOD)
    try:
        await interviewer.next_move(context())
    finally:
        await interviewer.aclose()
    body = fake.message_requests[0].body
    assert (body["model"], body["max_tokens"]) == ("claude-sonnet-5", 300)  # thinking off: no extra room
    assert body["thinking"] == {"type": "disabled"}
    assert fake.message_requests[0].headers["authorization"] == "Bearer test-key"


async def test_unknown_topics_and_flags_are_dropped(fake, make):
    fake.push_tool_use(
        {
            "message": "Where do you turn for help?",
            "move": "transition",
            "topic_id": "made-up",
            "covered_topics": ["recent-tool", "invented", "recent-tool"],
            "flags": ["distress", "rude", "abuse"],
        }
    )
    move = await make().next_move(context((("interviewer", "Q"), ("participant", "A"))))
    assert move.kind is MoveKind.TRANSITION
    assert move.topic_id is None
    assert move.covered == ("recent-tool",)
    assert move.flags == ("distress", "abuse")


async def test_empty_message_is_asked_once_more(fake, make):
    fake.push_tool_use(GOOD | {"message": "   "}, usage={"input_tokens": 10, "output_tokens": 5})
    fake.push_tool_use(GOOD, usage={"input_tokens": 10, "output_tokens": 7})
    move = await make().next_move(context())
    assert move.text == GOOD["message"]
    assert (move.usage.input_tokens, move.usage.output_tokens) == (20, 12)  # both calls are paid for


async def test_two_unusable_replies_raise_unavailable(fake, make):
    fake.push_tool_use(GOOD | {"message": ""})
    fake.push_text("I would rather just chat.")
    with pytest.raises(InterviewerUnavailable, match="unusable"):
        await make().next_move(context())
    assert len(fake.message_requests) == 2


async def test_info_logs_hold_neither_participant_text_nor_the_api_key(fake, make, caplog):
    fake.push_tool_use(GOOD)
    secret = "my cat's name is Bartholomew"
    with caplog.at_level(logging.INFO):
        await make(api_key="sk-ant-secret-value").next_move(
            context((("interviewer", "Q"), ("participant", secret)))
        )
    assert "Bartholomew" not in caplog.text and "sk-ant-secret-value" not in caplog.text
    assert "claude move ask" in caplog.text


async def test_batches_endpoints_work_through_the_sdk(fake):
    """A batch is created, polled until it ends, and its results come back per custom_id."""
    fake.push_batch_result("q-1", "succeeded", tool_input={"theme": "colleagues"})
    fake.push_batch_result("q-2", "errored", error_type="overloaded_error", message="try later")
    fake.push_batch_result("q-3", "expired")
    params = {
        "model": "claude-sonnet-5",  # accepts a forced tool with thinking off
        "max_tokens": 64,
        "thinking": {"type": "disabled"},
        "messages": [{"role": "user", "content": "code this"}],
        "tools": [{"name": "code", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "code"},
    }
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=fake.base_url, max_retries=0)
    try:
        batch = await client.messages.batches.create(
            requests=[{"custom_id": f"q-{n}", "params": params} for n in (1, 2, 3)]
        )
        assert batch.processing_status == "in_progress" and batch.request_counts.processing == 3
        polled = await client.messages.batches.retrieve(batch.id)
        assert polled.processing_status == "in_progress"
        ended = await client.messages.batches.retrieve(batch.id)
        assert ended.processing_status == "ended" and ended.results_url
        counts = ended.request_counts
        assert (counts.succeeded, counts.errored, counts.expired, counts.processing) == (1, 1, 1, 0)
        results = {
            item.custom_id: item.result async for item in await client.messages.batches.results(batch.id)
        }
    finally:
        await client.close()
    assert results["q-1"].type == "succeeded"
    block = results["q-1"].message.content[0]
    assert (block.type, block.name, block.input) == ("tool_use", "code", {"theme": "colleagues"})
    assert results["q-2"].type == "errored" and results["q-2"].error.error.type == "overloaded_error"
    assert results["q-3"].type == "expired"
    assert [r["custom_id"] for r in fake.batch_requests[0].body["requests"]] == ["q-1", "q-2", "q-3"]
