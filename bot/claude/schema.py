"""JSON schemas the way structured outputs and strict tools accept them.

Structured outputs and strict tool use (https://platform.claude.com/docs/en/build-with-claude/structured-outputs)
need `additionalProperties: false` on every object and do not support numeric bounds, string lengths or
array bounds beyond `minItems` 0 or 1. `strict_schema` moves those bounds into the description (the
model still reads them) and our own parsers check them after the reply arrives.
"""

from __future__ import annotations

import copy
from typing import Any

UNSUPPORTED = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "maxItems",
    "pattern",
)


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` with `additionalProperties: false` on every object and no unsupported bounds."""
    out = copy.deepcopy(schema)
    _walk(out)
    return out


def _walk(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item)
        return
    if not isinstance(node, dict):
        return
    notes = []
    for key in UNSUPPORTED:
        if key in node:
            notes.append(f"{key} {node.pop(key)}")
    if isinstance(node.get("minItems"), int) and node["minItems"] > 1:
        notes.append(f"minItems {node.pop('minItems')}")
    if notes:
        described = node.get("description", "")
        node["description"] = (described + " " if described else "") + f"({'; '.join(notes)})"
    if node.get("type") == "object" or "properties" in node:
        node["additionalProperties"] = False
    for key in ("properties", "$defs", "definitions"):
        for child in (node.get(key) or {}).values():
            _walk(child)
    for key in ("items", "anyOf", "allOf", "oneOf"):
        if key in node:
            _walk(node[key])


def problems(schema: Any, where: str = "schema") -> list[str]:
    """What structured outputs would reject in `schema` (used by the fake API and the tests)."""
    found: list[str] = []
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            found += problems(item, f"{where}[{i}]")
        return found
    if not isinstance(schema, dict):
        return found
    if (schema.get("type") == "object" or "properties" in schema) and schema.get(
        "additionalProperties"
    ) is not False:
        found.append(f"{where}: additionalProperties must be false for objects")
    for key in UNSUPPORTED:
        if key in schema:
            found.append(f"{where}: '{key}' is not supported")
    if isinstance(schema.get("minItems"), int) and schema["minItems"] > 1:
        found.append(f"{where}: minItems above 1 is not supported")
    for key in ("properties", "$defs", "definitions"):
        for name, child in (schema.get(key) or {}).items():
            found += problems(child, f"{where}.{key}.{name}")
    for key in ("items", "anyOf", "allOf", "oneOf"):
        if key in schema:
            found += problems(schema[key], f"{where}.{key}")
    return found
