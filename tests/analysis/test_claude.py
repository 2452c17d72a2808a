"""The Claude mode of the analysis, through the real anthropic SDK against the local fake Messages API."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.analysis.claude.replies import verbatim
from bot.analysis.claude.toolkit import toolkit
from bot.analysis.model import Segment, Theme
from tests.support.claude_analysis import ANSWERS, CODEBOOK, CODEBOOK_YAML, PLANTED, docs, present, settings
from tests.support.fakes.claude_analyst import code_reply


async def test_small_study_is_coded_with_one_cached_request_per_interview(fake):
    kit = toolkit(settings(fake))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert present(assignments) == PLANTED
    assert len(assignments) == len(ANSWERS) * len(CODEBOOK)
    by_key = {(a.interview, a.code): a for a in assignments}
    assert by_key["w-03", "stigma"].evidence == ["Nobody knows I hide my use of AI."]
    assert by_key["w-03", "stigma"].score == pytest.approx(0.9)
    assert by_key["w-04", "stigma"].score == pytest.approx(0.2) and by_key["w-04", "stigma"].evidence == []
    assert not fake.batch_requests and len(fake.message_requests) == len(ANSWERS)
    body = fake.message_requests[0].body
    assert body["model"] == "claude-sonnet-5-5" and "tool_choice" not in body
    assert "codes" in body["output_config"]["format"]["schema"]["properties"]
    assert body["thinking"] == {"type": "adaptive"} and body["output_config"]["effort"] == "medium"
    # this small codebook is under the model's 512-token cache minimum, so nothing is marked
    assert "cache_control" not in body["system"][-1] and 'id="oversight"' in body["system"][-1]["text"]
    assert "cache_control" not in body["messages"][0]["content"][-1]
    [spend] = kit.coder.notes  # no failures, only what was used
    assert "claude-sonnet-5-5): 6 requests" in spend
    assert "plus 0 read from" in spend


async def test_large_study_goes_through_batches_and_retries_errored_and_expired_items(fake):
    """Errored, expired and unusable items come back in a second batch of just those, and then succeed."""
    fake.push_batch_result("coding-1", "errored", error_type="overloaded_error", once=True)
    fake.push_batch_result("coding-3", "succeeded", tool_input={"codes": "not a list"}, once=True)
    fake.push_batch_result("coding-4", "expired", once=True)
    kit = toolkit(settings(fake, analysis_batch_threshold=5))
    assignments = await kit.coder.code(docs(), CODEBOOK)
    assert present(assignments) == PLANTED and len(assignments) == 18
    assert not fake.message_requests and len(fake.batch_requests) == 2
    first, second = (r.body["requests"] for r in fake.batch_requests)
    assert [r["custom_id"] for r in first] == [f"coding-{n}" for n in range(6)]
    assert [r["custom_id"] for r in second] == ["coding-1", "coding-3", "coding-4"]
    assert "my job might go" in second[0]["params"]["messages"][0]["content"][0]["text"]
    polls = [r for r in fake.requests if r.method == "GET" and not r.path.endswith("/results")]
    assert len(polls) >= 2 * 3  # each batch: two in_progress answers, then ended
    results = [r for r in fake.requests if r.path.endswith("/results")]
    assert len(results) == 2
    assert all("failed" not in note for note in kit.coder.notes)


async def test_evidence_that_is_not_verbatim_is_dropped_and_lowers_the_score(fake):
    def paraphrasing(body: dict[str, Any]) -> dict[str, Any]:
        reply = code_reply(body)
        for entry in reply["codes"]:
            if entry["id"] == "stigma":  # present, with a made-up quote next to the real one
                entry["evidence"].insert(0, "I conceal that I use AI from my boss.")
            if entry["id"] == "anxiety":  # present with paraphrase only
                entry.update(present=True, confidence=0.8, evidence=["They fear for their job."])
        return reply

    fake.push_tool_use(paraphrasing)
    [stigma, anxiety, oversight] = await toolkit(settings(fake)).coder.code(docs(["w-01"]), CODEBOOK)
    assert stigma.present and stigma.evidence == ["I hide my use of AI from my manager."]
    assert stigma.score == pytest.approx(0.9)
    # a claim with no verbatim evidence is not counted present; its score is half the claimed confidence
    assert not anxiety.present and anxiety.evidence == [] and anxiety.score == pytest.approx(0.4)
    assert not oversight.present


def test_verbatim_spans_tolerate_spacing_and_quote_marks_but_return_the_source_text():
    answers = ["I don’t  trust\nit with clients.", "Short."]
    assert verbatim('"I don\'t trust it with clients."', answers) == "I don’t  trust\nit with clients."
    assert verbatim("trust it with customers", answers) is None
    assert verbatim("Short.", answers) is None  # one word is not evidence
    assert verbatim("i don't trust", answers) is None  # case must match
    assert verbatim("…trust it with clients", answers) == "trust\nit with clients"
    assert verbatim("I don’t trust it.", answers) == "I don’t  trust\nit"  # the source's sentence goes on
    assert verbatim("I don’t trust it at all", answers) is None


async def test_facets_are_segments_of_what_each_participant_said_per_topic(fake):
    kit = toolkit(settings(fake))
    facets = await kit.facets.facets(docs(["w-01", "w-03"]))
    assert [(f.interview, f.index, f.question, f.answer) for f in facets] == [
        ("w-01", 0, "Question number 1 about", "I hide my use of AI from my manager."),
        ("w-01", 1, "Question number 2 about", "Mostly drafting emails."),
        ("w-03", 0, "Question number 1 about", "I check its work line by line."),
        ("w-03", 1, "Question number 2 about", "Nobody knows I hide my use of AI."),
    ]
    assert "facets" in fake.message_requests[0].body["output_config"]["format"]["schema"]["properties"]


async def test_themes_are_named_from_members_against_nearby_examples(fake):
    members = {
        "t1": [
            Segment("w-01", 0, "tools", "Colleagues judge anyone using chatbots"),
            Segment("w-03", 0, "", "colleagues would judge"),
        ],
        "t2": [Segment("w-02", 0, "future", "future layoffs scare me, layoffs everywhere")],
    }
    nearby = {"t1": members["t2"], "t2": members["t1"]}
    themes = [
        Theme("t1", "judge colleagues", "", 2, 2),
        Theme("t2", "layoffs", "", 1, 1),
        Theme("t3", "empty", "", 0, 0),
    ]
    kit = toolkit(settings(fake))
    named = await kit.namer.name(themes, members, nearby)
    assert [(t.id, t.name) for t in named] == [
        ("t1", "Colleagues concerns"),
        ("t2", "Layoffs concerns"),
        ("t3", "empty"),  # no members: nothing to ask, the name it had is kept
    ]
    assert named[0].description == "Participants talk about colleagues." and named[0].size == 2
    assert len(fake.message_requests) == 2


async def test_emotions_and_roles_share_one_request_per_interview(fake):
    kit = toolkit(settings(fake))
    corpus = docs(["w-02", "w-03", "w-04", "w-05"])
    scores = await kit.emotions.rate(corpus)
    roles = await kit.roles.roles(corpus)
    assert kit.emotions.exploratory is False
    assert len(fake.message_requests) == 4
    high = {(s.interview, s.emotion): s.evidence for s in scores if s.intensity == 4}
    assert high == {
        ("w-02", "satisfaction"): "I love the speed though.",
        ("w-04", "frustration"): "It is annoying when it invents things.",
        ("w-04", "trust"): "I rely on it less now.",
        ("w-05", "worry"): "I am worried about errors.",
    }
    assert len(scores) == 16 and all(
        s.intensity == 1 and s.evidence == "" for s in scores if s.intensity != 4
    )
    assert roles == {"w-02": None, "w-03": "augmentation", "w-04": None, "w-05": "automation"}


async def test_facets_and_profiles_of_a_large_study_are_batched_too(fake):
    kit = toolkit(settings(fake, analysis_batch_threshold=3))
    corpus = docs(["w-01", "w-04", "w-05"])
    facets = await kit.facets.facets(corpus)
    roles = await kit.roles.roles(corpus)
    assert [f.interview for f in facets] == ["w-01", "w-01", "w-04", "w-05"]
    assert roles == {"w-01": None, "w-04": None, "w-05": "automation"}
    assert not fake.message_requests
    assert [[r["custom_id"] for r in b.body["requests"]] for b in fake.batch_requests] == [
        ["facets-0", "facets-1", "facets-2"],
        ["profile-0", "profile-1", "profile-2"],
    ]


# ---- `interviewer analyze --mode claude` end to end ---------------------------------------------------

OCCUPATIONS = ("teacher", "nurse")


def synthetic_csv(path: Path, count: int) -> dict[str, set[str]]:
    """A dataset-layout CSV: every third interview hides its AI use, every second fears for its job, and
    every fourth (from the second) says AI helps them."""
    truth: dict[str, set[str]] = {"stigma": set(), "anxiety": set()}
    rows = ["transcript_id,occupation,text"]
    for n in range(count):
        code = f"syn-{n:02d}"
        first = "I use it to draft lesson plans and letters to parents every week."
        second = "It saves time but I read everything it writes before I send it."
        if n % 3 == 0:
            first += " I hide my use of AI because colleagues would call it cheating."
            truth["stigma"].add(code)
        if n % 2 == 0:
            second += " Honestly my job might go if it keeps improving this fast."
            truth["anxiety"].add(code)
        if n % 4 == 1:
            second += " It helps me think through a plan."
        text = (
            "Assistant: How do you use AI at work?\nUser: " + first + "\n"
            "Assistant: How do you feel about it?\nUser: " + second + "\n"
        )
        rows.append(f'{code},{OCCUPATIONS[n % 2]},"{text}"')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return truth


@pytest.mark.long
async def test_interviewer_analyze_in_claude_mode_writes_the_report(fake, tmp_path):
    """The real command, in a subprocess, against the fake API: estimate, batches, report folder; one
    interview's coding request errors in every batch and is reported in the notes, not coded."""
    fake.push_batch_result("coding-5", "errored", error_type="api_error")
    source = tmp_path / "syn.csv"
    truth = synthetic_csv(source, 12)
    codebook = tmp_path / "codes.yaml"
    codebook.write_text(CODEBOOK_YAML, encoding="utf-8")
    out = tmp_path / "report"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "ANALYSIS_"))}
    env |= {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_MODEL": "claude-sonnet-5-5",
        "ANTHROPIC_MAX_RETRIES": "1",
        "ANALYSIS_BATCH_THRESHOLD": "10",
        "ANALYSIS_BATCH_POLL_SECONDS": "0.01",
        "ANALYSIS_CACHE_DIR": str(tmp_path / "cache"),
    }
    command = Path(sys.executable).parent / "interviewer"
    args = ["analyze", str(source), "--mode", "claude", "--yes", "--codebook", str(codebook)]
    process = await asyncio.create_subprocess_exec(
        str(command),
        *args,
        "--by",
        "occupation",
        "--min-cell",
        "3",
        "--out",
        str(out),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 600)
    assert process.returncode == 0, stderr.decode()
    assert "through the Message Batches API" in stderr.decode()  # the estimate was shown
    assert {"report.html", "report.md", "analysis.json"} <= {p.name for p in out.iterdir()}
    analysis = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert analysis["mode"] == "claude" and analysis["interviews"] == 12
    coded = {(a["interview"], a["code"]) for a in analysis["assignments"] if a["present"]}
    assert coded == {(i, code) for code, ids in truth.items() for i in ids}
    assert {a["interview"] for a in analysis["assignments"]} == {f"syn-{n:02d}" for n in range(12)} - {
        "syn-05"
    }
    [failed] = [note for note in analysis["notes"] if note.startswith("Claude coding:")]
    assert (
        "1 of 12 interviews failed" in failed
        and "syn-05: errored in the batch (api_error: scripted error (fake))" in failed
    )
    assert any(note.startswith("Claude mode (claude-sonnet-5-5):") for note in analysis["notes"])
    for a in analysis["assignments"]:
        assert not a["present"] or a["evidence"][0] in source.read_text(encoding="utf-8")
    stigma = next(p for p in analysis["prevalence"] if p["code"] == "stigma" and p["group"] == "all")
    assert stigma["k"] == 4 and stigma["n"] == 11  # the failed interview is left out, not counted absent
    assert all(e["intensity"] in (1, 4) for e in analysis["emotions"]) and analysis["emotions"]
    assert analysis["themes"] and all(t["name"].endswith(" concerns") for t in analysis["themes"])
    everyone = next(r for r in analysis["roles"] if r["group"] == "all")
    assert everyone["n"] == 3 and everyone["augmentation"]["estimate"] == 1.0
    stages = {r["custom_id"].split("-")[0] for b in fake.batch_requests for r in b.body["requests"]}
    assert stages == {"facets", "coding", "profile"}
    shapes = {tuple(r.body["output_config"]["format"]["schema"]["properties"]) for r in fake.message_requests}
    assert shapes == {("name", "description")}  # only theme naming goes as individual requests
    printed = (stdout + stderr).decode().lower()
    assert "hide my use" not in printed and "my job might go" not in printed  # no participant text
    with (out / "codes.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 22 and "syn-05" not in {r["interview"] for r in rows}

    # A second run comes from the stage cache: no new requests, and the failure is still reported.
    asked = len(fake.batch_requests) + len(fake.message_requests)
    again = await asyncio.create_subprocess_exec(
        str(command), *args, "--by", "occupation", "--min-cell", "3", "--out", str(tmp_path / "again"),
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(again.communicate(), 600)
    assert again.returncode == 0, err.decode()
    assert len(fake.batch_requests) + len(fake.message_requests) == asked
    rerun = json.loads((tmp_path / "again" / "analysis.json").read_text(encoding="utf-8"))
    assert [n for n in rerun["notes"] if n.startswith("Claude coding:")] == [failed]
    assert rerun["prevalence"] == analysis["prevalence"]
