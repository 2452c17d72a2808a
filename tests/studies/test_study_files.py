"""Study files as files: empty, binary, other encodings, folders, huge, malformed YAML, duplicate keys,
aliases, missing; each gets one clear line instead of an exception."""

from __future__ import annotations

import pytest

from bot.studies.study import MAX_STUDY_BYTES, load_study
from tests.studies.test_study import minimal_study, only_problem, problems_of, write
from tests.support.paths import STUDIES


def test_empty_file_is_reported_as_empty(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("  \n\n")
    assert only_problem(path) == f"{path}: the file is empty; start from studies/ai-at-work.yaml"


def test_file_with_only_comments_is_reported_as_having_no_fields(tmp_path):
    path = tmp_path / "comments.yaml"
    path.write_text("# nothing here yet\n")
    assert only_problem(path) == (
        f"{path}: the file holds no fields (only comments or blank lines); start from studies/ai-at-work.yaml"
    )


def test_binary_file_is_reported_as_binary(tmp_path):
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert only_problem(path).startswith(f"{path}: looks binary (it has NUL bytes), not text")


def test_non_utf8_file_names_the_byte_the_likely_encoding_and_says_save_as_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Caf\xe9\n".encode("latin-1"))
    problem = only_problem(path)
    assert problem.startswith(
        f"{path}:1: not UTF-8 text (byte 10); it looks like Windows-1252 (Latin-1). Save it"
    )
    assert "UTF-8" in problem.partition("Save it")[2]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_utf8_with_bom_and_utf16_with_bom_are_read(tmp_path, encoding):
    path = tmp_path / "marked.yaml"
    source = STUDIES / "teachers.yaml"
    path.write_text(source.read_text(encoding="utf-8") + "\n# Grüße 中文\n", encoding=encoding)
    assert load_study(path).id == "teachers"


def test_a_folder_and_deep_nesting_are_reported_not_raised(tmp_path):
    assert only_problem(tmp_path).startswith(f"{tmp_path}: is a folder; give the path of a study YAML file")
    deep = tmp_path / "deep.yaml"
    deep.write_text("id: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested too deeply" in only_problem(deep)


def test_huge_file_is_refused_with_its_size_and_the_limit(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * MAX_STUDY_BYTES + b"\n")
    size = path.stat().st_size
    assert only_problem(path).startswith(
        f"{path}: is {size:,} bytes, over the {MAX_STUDY_BYTES:,}-byte limit for a study YAML file"
    )


def test_yaml_syntax_error_reports_line_and_column(tmp_path):
    path = tmp_path / "syntax.yaml"
    path.write_text("id: mini\ntitle: Minimal\nplan:\n  topics: [first, second\n")
    problem = only_problem(path)
    assert problem.startswith(f"{path}: line 5, column 1: YAML syntax error: ")
    assert problem.endswith("; check indentation and quoting")


def test_duplicate_yaml_key_is_an_error_not_silently_overwritten(tmp_path):
    path = tmp_path / "dupkey.yaml"
    path.write_text("id: mini\ntitle: One\ntitle: Two\n")
    assert only_problem(path) == (
        f"{path}: line 3, column 1: YAML syntax error: "
        "the key 'title' appears twice in one mapping; keep one; check indentation and quoting"
    )


def test_top_level_list_says_a_mapping_is_needed(tmp_path):
    path = write(tmp_path, [minimal_study()])
    assert only_problem(path) == (
        f"{path}: the file must hold a mapping of fields (id, title, plan, ...), not list; "
        "start from studies/ai-at-work.yaml"
    )


def test_missing_file_is_reported_not_raised_as_oserror(tmp_path):
    path = tmp_path / "nope.yaml"
    assert only_problem(path) == f"{path}: no such file; give the path of a study YAML file (see studies/)"


def test_alias_bomb_gives_a_short_error_not_a_huge_one(tmp_path):
    lines = ['a0: &a0 ["xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\nhypotheses: [*a8]\n")
    problems = problems_of(path)
    assert problems == [
        f"{path}: line 2, column 10: anchors and aliases (&name, *name) are not accepted; write the value out"
    ]
