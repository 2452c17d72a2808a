"""Tokens a request used, as the API reports them, and what they cost under the capability table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.claude.models import ModelSpec


@dataclass
class Spent:
    """Token counts summed over one or more responses. Cache writes are split by TTL when reported."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0

    @property
    def cache_write_tokens(self) -> int:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens

    def add(self, usage: Any) -> None:
        """Add a response's `usage` (the SDK's object or a plain dict)."""

        def get(name: str) -> Any:
            return usage.get(name) if isinstance(usage, dict) else getattr(usage, name, None)

        self.requests += 1
        self.input_tokens += get("input_tokens") or 0
        self.output_tokens += get("output_tokens") or 0
        self.cache_read_tokens += get("cache_read_input_tokens") or 0
        written = get("cache_creation_input_tokens") or 0
        split = get("cache_creation")
        hour = (split.get("ephemeral_1h_input_tokens") if isinstance(split, dict) else None) or (
            getattr(split, "ephemeral_1h_input_tokens", None) or 0
        )
        self.cache_write_1h_tokens += hour
        self.cache_write_5m_tokens += max(written - hour, 0)

    def merge(self, other: Spent) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def input_cost(spent: Spent, spec: ModelSpec, *, batch: bool = False) -> float:
    """USD billed for the input side (uncached input, cache writes and reads)."""
    p = spec.prices
    usd = (
        spent.input_tokens * p.input
        + spent.cache_write_5m_tokens * p.cache_write_5m
        + spent.cache_write_1h_tokens * p.cache_write_1h
        + spent.cache_read_tokens * p.cache_read
    ) / 1e6
    return usd * (p.batch_discount if batch else 1.0)


def cost(spent: Spent, spec: ModelSpec, *, batch: bool = False) -> float:
    """USD billed for input and output."""
    p = spec.prices
    output = spent.output_tokens * p.output / 1e6 * (p.batch_discount if batch else 1.0)
    return input_cost(spent, spec, batch=batch) + output
