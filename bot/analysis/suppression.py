"""Which groups a per-group table hides, so that no hidden group's figures can be worked out.

A group with fewer than `min_cell` participants is hidden (primary suppression). Every per-group table
also shows all participants ("all", the sum of its groups), so hiding a small group alone would not hide
it: subtracting the groups shown from "all" gives its counts back. So the next-smallest groups are hidden
with it (complementary suppression, the usual rule of statistical disclosure control) until the hidden
groups hold at least `min_cell` participants together and are at least two, or every group is hidden
(then "all" is the only row shown). Subtraction then gives only the hidden groups' combined count, a cell
of at least `min_cell` participants like any cell shown.

The choice depends only on the groups' sizes, which the tables show anyway, never on the figures, so the
pattern of hidden cells tells nothing about them. It is made once per table and kept for every row of it
(every code, every answer), and every output (CSV, JSON, report, charts) is written from the same cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ALL = "all"
UNKNOWN_GROUP = "(not given)"  # participants without a value for the group field: a group like any other


def hidden_groups(sizes: Mapping[str, int], min_cell: int) -> frozenset[str]:
    """The groups one table hides; `sizes` is each group's participants ("all" may be among them, and is
    never hidden here: it is shown when its own n reaches `min_cell`)."""
    groups = {g: n for g, n in sizes.items() if g != ALL}
    hidden = {g for g, n in groups.items() if n < min_cell}
    if not hidden:
        return frozenset()
    rest = sorted((g for g in groups if g not in hidden), key=lambda g: (groups[g], g))
    while rest and (len(hidden) < 2 or sum(groups[g] for g in hidden) < min_cell):
        hidden.add(rest.pop(0))
    return frozenset(hidden)


def smallest(cells: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Each group's smallest n over a table's rows, from (group, n) pairs: n can differ from row to row
    (an interview Claude could not code is left out of that code's cells only)."""
    out: dict[str, int] = {}
    for group, n in cells:
        out[group] = min(n, out.get(group, n))
    return out
