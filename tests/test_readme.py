"""The README's promises: the two set-up commands, and a study example that really validates."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.cli.problems import KINDS
from bot.settings import Settings
from bot.studies.study import parse_study

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_first_screen_gives_the_two_make_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_the_study_example_validates() -> None:
    example = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert example is not None
    study = parse_study(yaml.safe_load(example.group(1)), "README.md")
    assert study.id == "teachers" and study.plan.topics[0].priority == "must"


def test_every_setting_is_in_the_configuration_table() -> None:
    table = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    assert {name.upper() for name in Settings.model_fields} <= named


def test_the_db_problems_line_names_every_kind_retry_takes() -> None:
    [line] = [x for x in README.splitlines() if x.startswith("interviewer db problems ")]
    assert {f"{kind}:ID" for kind in KINDS} <= set(re.findall(r"\b[a-z]+:ID\b", line)), line


def test_every_relative_link_reaches_its_file_and_heading() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    assert links
    for link in links:
        if "://" in link:
            continue
        target, _, anchor = link.partition("#")
        path = ROOT / target if target else ROOT / "README.md"
        assert path.exists(), link
        if anchor:
            assert anchor in _anchors(path.read_text(encoding="utf-8")), link
