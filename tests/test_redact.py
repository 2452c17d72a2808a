"""Redaction on a synthetic corpus: recall per identifier type, and ordinary text left alone."""

from __future__ import annotations

from collections import Counter

from bot.redact import find, redact
from tests.redaction_corpus import ORDINARY, cases


def _caught(kind: str, value: str, sentence: str) -> bool:
    out = redact(sentence)
    leftover = out.replace(f"[{kind}]", "")
    return f"[{kind}]" in out and not any(part in leftover for part in value.split() if len(part) > 3)


def recall_by_kind() -> dict[str, float]:
    total, hit = Counter[str](), Counter[str]()
    for kind, value, sentence in cases():
        total[kind] += 1
        hit[kind] += _caught(kind, value, sentence)
    return {kind: hit[kind] / total[kind] for kind in total}


def test_every_email_and_phone_is_caught_and_other_types_mostly() -> None:
    recall = recall_by_kind()
    print("redaction recall by type:", {k: round(v, 2) for k, v in recall.items()})
    assert recall["EMAIL"] == 1.0 and recall["PHONE"] == 1.0
    assert all(recall[k] == 1.0 for k in ("URL", "HANDLE", "NUMBER"))
    assert recall["PERSON"] >= 0.85 and recall["ORG"] >= 0.85


def test_ordinary_interview_text_is_left_alone() -> None:
    changed = [s for s in ORDINARY if redact(s) != s]
    assert changed == []


def test_placeholders_are_typed_and_text_around_them_kept() -> None:
    text = "Ask Dr. Patel (dr.patel@example.org, +44 20 7946 0958) or see https://example.com/x."
    assert redact(text) == "Ask [PERSON] ([EMAIL], [PHONE]) or see [URL]."
    assert [f.kind for f in find(text)] == ["PERSON", "EMAIL", "PHONE", "URL"]


def test_card_numbers_need_a_valid_checksum() -> None:
    assert redact("card 4111 1111 1111 1111 ok") == "card [NUMBER] ok"
    assert redact("ratio 1234 5678 9012 3456 ok") == "ratio [NUMBER] ok"  # no checksum, but account-like
    assert redact("I wrote 2,500 words in 3 hours") == "I wrote 2,500 words in 3 hours"


def test_empty_and_huge_text() -> None:
    assert redact("") == ""
    big = "I draft reports with it. " * 20000 + "Mail me at a@b.co."
    assert redact(big).endswith("Mail me at [EMAIL].")


def test_names_with_an_inner_capital_or_apostrophe_are_caught_whole() -> None:
    assert redact("I work alongside Colin McAllister daily.") == "I work alongside [PERSON] daily."
    assert redact("I met Sean O'Neill at work.") == "I met [PERSON] at work."
    assert redact("We use PowerPoint a lot.") == "We use PowerPoint a lot."
