"""YAML files people write (studies, codebooks, pilot personas), read one way.

Plain YAML keeps the last of a key written twice, silently, and expands an alias wherever the value is
used: a few hundred bytes of nested aliases ("billion laughs") become gigabytes once a value is turned
into text. So a key written twice is refused, and so are anchors and aliases (`&name`, `*name`), which
these short hand-written files do not need. Every problem is one line naming the file, and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.text_files import NotText, printable, read_text

ALIASES = "anchors and aliases"
_TAG = re.compile(r"for the tag '([^']*)'")
_DIGITS = re.compile(r"value has (\d+) digits")


class YamlProblem(ValueError):
    """The file cannot be read as YAML; the message names the file, the line and the fix."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases, refusing a key written twice in one mapping."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases (&name, *name) are not accepted; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; the base class reports it
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping; keep one", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, name: str) -> Any:
    """The data of YAML `text` from the file `name`; YamlProblem if it cannot be read."""
    name = printable(name)  # the callers' paths, escaped if they were not yet
    try:
        return yaml.load(text, Loader=_Loader)  # safe: a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        tag = _TAG.search(problem) if problem.startswith("could not determine a constructor") else None
        if tag:  # e.g. !!python/object: nothing in these files needs a language-specific tag
            shown = tag.group(1).replace("tag:yaml.org,2002:", "!!")
            raise YamlProblem(
                f"{name}: {where}the tag {shown[:80]} is not accepted; remove it and write a plain value"
            ) from None
        if problem.startswith(ALIASES):
            raise YamlProblem(f"{name}: {where}{problem}") from None
        raise YamlProblem(
            f"{name}: {where}YAML syntax error: {problem}; check indentation and quoting"
        ) from None
    except RecursionError:
        raise YamlProblem(f"{name}: the YAML is nested too deeply to be read") from None
    except (ValueError, OverflowError) as exc:  # e.g. a number with thousands of digits
        digits = _DIGITS.search(str(exc))
        what = f"a number with {digits.group(1)} digits" if digits else f"a value ({str(exc)[:120]})"
        raise YamlProblem(f"{name}: {what} cannot be read; write a shorter number, or quote it") from None


def load_yaml(path: Path, *, max_bytes: int, what: str) -> Any:
    """The data of the YAML file `path` (`what`: e.g. "a codebook YAML file"); YamlProblem otherwise."""
    try:
        text = read_text(path, max_bytes=max_bytes, what=what)
    except NotText as exc:
        raise YamlProblem(str(exc)) from None
    if not text.strip():
        raise YamlProblem(f"{printable(path)}: the file is empty; give the path of {what}")
    return parse_yaml(text, printable(path))
