"""Reading what the analysis works on: dataset CSVs, studies in the database, codebook files, quotes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analysis.codebook import draft_from_themes, load_codebook
from bot.analysis.corpus import read_csv, read_study, segments
from bot.analysis.model import Quote, Theme
from bot.analysis.quotes import MAX_WORDS, MIN_WORDS, passages, pick, quote, sentences, sources
from bot.errors import AnalysisInputError
from tests.support.synth import PLANTED, generate

TRANSCRIPT = (
    "Assistant: Hello, shall we start?\n\nUser: Yes.\n\nAI: How do you use AI at work?\n\n"
    "User: Mostly for emails.\n\nUser:   \n\nAI: Anything else?\n\nUser: It explains spreadsheets to me."
)


def _csv(path: Path, *rows: str, header: str = "transcript_id,text") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_segments_pair_each_answer_with_the_question_before_it_and_drop_empty_answers() -> None:
    turns = [("interviewer", "Q1?"), ("participant", "A1"), ("participant", " "), ("interviewer", "Q2?")]
    turns += [("participant", "A2"), ("participant", "A2b")]
    found = segments("x", turns)
    assert [(s.index, s.question, s.answer) for s in found] == [
        (0, "Q1?", "A1"),
        (1, "Q2?", "A2"),
        (2, "Q2?", "A2b"),
    ]


def test_dataset_csv_becomes_docs_with_extra_columns_as_group_fields(tmp_path: Path) -> None:
    quoted = '"' + TRANSCRIPT.replace('"', '""') + '"'
    path = _csv(
        tmp_path / "d.csv", f"w1,{quoted},teacher", f"w2,{quoted},", header="transcript_id,text,occupation"
    )
    corpus = read_csv(path)
    assert corpus.name == "d" and [d.code for d in corpus.docs] == ["w1", "w2"]
    assert corpus.docs[0].group == {"occupation": "teacher"} and corpus.docs[1].group == {}
    assert [s.answer for s in corpus.docs[0].segments] == [
        "Yes.",
        "Mostly for emails.",
        "It explains spreadsheets to me.",
    ]
    assert corpus.docs[0].segments[1].question == "How do you use AI at work?"


def test_a_transcript_file_is_read_without_control_or_invisible_characters_but_otherwise_verbatim(
    tmp_path: Path,
) -> None:
    # a terminal escape and a right-to-left override would reach the terminal and the report's quotes;
    # "…" stays as written (NFKC would make it "..."), so a quote can still be found in the file
    text = "AI: How do you use it?\nUser: For \x1b[31memails\u202e mostly… and\u200b reports.\x07"
    path = _csv(tmp_path / "d.csv", f'w1,"{text}"')
    answers = [s.answer for s in read_csv(path).docs[0].segments]
    assert answers == ["For [31memails mostly… and reports."]  # the escape's ESC gone, so it is inert


def test_malformed_rows_are_skipped_with_their_line_numbers(tmp_path: Path) -> None:
    quoted = '"' + TRANSCRIPT + '"'
    path = _csv(tmp_path / "d.csv", f"w1,{quoted}", "w2,no speaker labels here", f"w1,{quoted}", "w3")
    corpus = read_csv(path)
    assert [d.code for d in corpus.docs] == ["w1"]
    lines = "\n".join(corpus.problems)
    assert f"{path}:15 (w2)" in lines and "Assistant:" in lines  # a transcript spans 13 lines
    assert f"{path}:16: transcript_id 'w1' appears twice" in lines
    assert f"{path}:29: expected 2 columns, found 1" in lines


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        (b"transcript_id,text\nw1,\xff\xfe bad\n", "not UTF-8"),
        (b"id,body\nw1,hello\n", "must name `transcript_id` and `text`"),
        (b"transcript_id,text\nw1,just words\n", "no interview with participant answers"),
    ],
)
def test_unusable_csv_files_are_refused_with_the_reason(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(AnalysisInputError, match=expected):
        read_csv(path)


def test_a_missing_csv_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError, match="no such file"):
        read_csv(tmp_path / "nope.csv")


async def test_study_corpus_reads_completed_consented_interviews_with_screening_groups(
    sqlite_url: str, study_dir: Path
) -> None:
    from sqlmodel import select

    from bot.records.importer import import_csv
    from bot.storage.models import Interview, ScreeningAnswer, SurveyAnswer
    from tests.support.helpers import import_target, settings_for, start_runtime

    settings = settings_for(sqlite_url, study_dir)
    with pytest.raises(AnalysisInputError, match="there is no study 'nope'"):
        await read_study(settings, "nope")
    with pytest.raises(AnalysisInputError, match="no completed, consented interview"):
        await read_study(settings, "pilot-study")
    path = _csv(study_dir.parent / "in.csv", '"w1","' + TRANSCRIPT + '"')
    async with start_runtime(settings) as runtime:
        await import_csv(runtime.store, path, import_target(runtime))
        code = import_target(runtime).code("w1")
        async with runtime.store.session() as s:
            interview = (await s.exec(select(Interview))).one()
            s.add(ScreeningAnswer(interview_id=interview.id, question_id="role", value="Engineer"))
            s.add(SurveyAnswer(interview_id=interview.id, item_id="satisfaction", value="6"))
            await s.commit()
    corpus = await read_study(settings, "pilot-study")
    assert corpus.study is not None and corpus.study.id == "pilot-study"
    assert [d.code for d in corpus.docs] == [code], "the imported id's pseudonym"
    assert corpus.docs[0].group == {"role": "Engineer"} and corpus.docs[0].survey == {"satisfaction": "6"}
    assert corpus.docs[0].segments[-1].answer == "It explains spreadsheets to me."


# ---- codebooks -----------------------------------------------------------------------------------------


def test_the_workforce_codebook_loads() -> None:
    codes = load_codebook(Path("eval/workforce_codebook.yaml"))
    assert [c.id for c in codes][:2] == ["stigma", "anxiety"] and all(c.definition for c in codes)
    assert codes[0].examples and codes[0].include and codes[0].exclude


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("codes: [}", "YAML syntax error"),
        ("codes: []\ncodes: []\n", "the key 'codes' appears twice"),
        ("a: &x [1]\ncodes: *x\n", "anchors and aliases (&name, *name) are not accepted"),
        ("- a\n- b\n", "top-level `codes:` list"),
        (
            "codes:\n  - id: Bad Id\n    label: x\n    definition: long enough definition\n",
            "codes[0] (id 'Bad Id'): field 'id'",
        ),
        (
            "codes:\n  - id: ok\n    label: x\n",
            "codes[0] (id 'ok'): field 'definition': Field required; expected one or two",
        ),
        (
            "codes:\n  - id: ok\n    label: x\n    definition: long enough text\n    colour: red\n",
            "field 'colour': unknown field; allowed: id, label",
        ),
        (
            "codes:\n  - id: ok\n    label: x\n    defintion: long enough text\n",
            "field 'defintion': unknown field; did you mean 'definition'? allowed: id, label",
        ),
        (
            "codes:\n  - {id: a, label: x, definition: long enough text}\n  - {id: a, label: y, definition: another text here}\n",
            "'a' is used twice",
        ),
    ],
)
def test_codebook_problems_name_file_entry_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnalysisInputError) as caught:
        load_codebook(path)
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_a_binary_codebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_bytes(b"\x00\x01\x02codes")
    with pytest.raises(AnalysisInputError, match="looks binary"):
        load_codebook(path)


def test_a_drafted_codebook_loads_back_with_one_code_per_top_level_theme(tmp_path: Path) -> None:
    themes = [
        Theme(
            "t1",
            "Customer emails and tone",
            "Participants talk about emails.",
            40,
            30,
            keywords=["emails", "tone"],
        ),
        Theme("t1.1", "Tone", "d", 20, 15, parent="t1"),
        Theme(
            "t2",
            "Customer emails and tone",
            "Again.",
            10,
            9,
            quotes=[Quote("w1", "A quote: with colons, 'quotes'")],
        ),
    ]
    text = draft_from_themes(themes)
    assert "# - rewrite each `definition`" in text
    path = tmp_path / "codes.yaml"
    path.write_text(text, encoding="utf-8")
    codes = load_codebook(path)
    assert [c.id for c in codes] == ["customer-emails-and-tone", "customer-emails-and-tone-2"]
    assert codes[0].include == ["Tone"] and codes[1].examples == ["A quote: with colons, 'quotes'"]


# ---- quotes --------------------------------------------------------------------------------------------


@pytest.mark.long
def test_passages_are_whole_sentences_and_quotes_are_verbatim_redacted_and_bounded() -> None:
    synthetic = generate(per_group=10)
    items = passages(synthetic.docs)
    text = {(s.interview, s.index): s.answer for d in synthetic.docs for s in d.segments}
    for p in items:
        source = text[(p.interview, p.segment)]
        assert source[p.start : p.end] == p.text
        assert any(a == p.start for a, _ in sentences(source)) and any(
            b == p.end for _, b in sentences(source)
        )
    quotable = [p for p in items if p.quotable]
    assert quotable and all(MIN_WORDS <= p.words <= MAX_WORDS for p in quotable)
    tampered = quote(quotable[0], "something else entirely")
    assert tampered is None  # not a substring of its source: never quoted
    import numpy as np

    vectors = np.eye(len(items), dtype=np.float32)
    chosen = pick(
        list(range(len(items))), items, vectors, sources(synthetic.docs), limit=len(items), per_interview=99
    )
    assert chosen and not any(planted in q.text for q in chosen for planted in PLANTED)


def test_pilot_personas_are_read_like_every_other_yaml_file(tmp_path: Path) -> None:
    from bot.pilot.run import load_personas
    from bot.yaml_files import YamlProblem

    bomb = tmp_path / "bomb.yaml"
    lines = ['a0: &a0 ["xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    bomb.write_text("\n".join(lines) + "\n- {name: boom, description: *a9}\n", encoding="utf-8")
    cases = {
        bomb: "anchors and aliases",
        tmp_path / "missing.yaml": "no such file",
        tmp_path: "is a folder",
    }
    (tmp_path / "broken.yaml").write_text("- {name: x, description: [\n", encoding="utf-8")
    cases[tmp_path / "broken.yaml"] = "YAML syntax error"
    (tmp_path / "utf16.yaml").write_bytes("- a curious teacher\n".encode("utf-16-le"))
    cases[tmp_path / "utf16.yaml"] = "UTF-16"
    for path, expected in cases.items():
        with pytest.raises(YamlProblem) as caught:
            load_personas(path)
        assert str(path) in str(caught.value) and expected in str(caught.value), caught.value
    (tmp_path / "ok.yaml").write_bytes("\ufeff- a curious teacher\n".encode("utf-16"))
    assert load_personas(tmp_path / "ok.yaml") == [("persona-1", "a curious teacher")]


def test_a_codebook_saved_as_utf16_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "codes.yaml"
    path.write_bytes("codes:\n  - {id: ok, label: x, definition: long enough text}\n".encode("utf-16"))
    assert [c.id for c in load_codebook(path)] == ["ok"]


def test_a_quote_left_open_is_named_on_its_line_not_as_rows_after_it(tmp_path: Path) -> None:
    rows = [
        f'w{n},"AI: What do you do?\nUser: I teach class {n} and plan lessons with it."' for n in range(6)
    ]
    rows[3] = rows[3][:-1]  # its closing quote is missing
    path = tmp_path / "t.csv"
    path.write_text("transcript_id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    corpus = read_csv(path)
    assert [d.code for d in corpus.docs] == ["w0", "w1", "w2"]
    assert corpus.problems == [
        f"{path}:8: unreadable CSV (',' expected after '\"'); the rest of the file was skipped"
    ]


@pytest.mark.parametrize(
    "answers",
    [
        ["hi"],  # one answer of one word: one text, one term
        ["No.", "Yes, it is."],  # stop words only: no vocabulary of words at all
        ["👍", "🙂 🙂"],  # no word characters
        ["Mostly for emails.", "It explains spreadsheets to me."],  # two texts: one SVD component
    ],
)
def test_a_tiny_file_is_analysed_without_the_sentence_model(tmp_path: Path, answers: list[str]) -> None:
    """A user who ran only `make run` has no sentence model: TF-IDF vectors stand in, on any corpus."""
    from tests.support.cli import run

    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['sentence_transformers'] = None\n")
    turns = "\n\n".join(f"AI: Question {i}?\n\nUser: {answer}" for i, answer in enumerate(answers))
    _csv(tmp_path / "tiny.csv", '"1","' + turns.replace('"', '""') + '"')
    result = run(["analyze", "tiny.csv", "--out", "report"], tmp_path, PYTHONPATH=str(blocker))
    assert result.returncode == 0, result.stderr
    assert "1 interview(s)" in result.stdout and "bug" not in result.stderr
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "TF-IDF" in report
