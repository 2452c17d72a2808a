"""Offline role of AI per interview: augmentation or automation, by similarity to short descriptions.

An interview talks about AI's role when one of its passages is at least `RELEVANT` similar to one of the
descriptions below; its role is the side whose two best passages are more similar on average. Interviews
that never come close are None and left out of the shares, as in the original study's classification.
"""

from __future__ import annotations

import numpy as np

from bot.analysis.coding import Indexer, PassageIndex
from bot.analysis.embed import Embedder
from bot.analysis.model import Doc
from bot.analysis.stages import Role

AUGMENTATION = [
    "I work with AI as a collaborator: we go back and forth and I refine the result myself.",
    "I use AI to brainstorm, learn and check my thinking, but I stay in charge and make the decisions.",
    "It is like a sounding board or an assistant; I edit and write the final version myself.",
]
AUTOMATION = [
    "I hand whole tasks to AI and let it do them for me from start to finish.",
    "AI does the routine work automatically so I no longer have to do it myself.",
    "I just give it the task and use what it produces with little or no changes.",
]
RELEVANT = 0.45  # cosine similarity: below this an interview does not describe how it works with AI


def _top2(values: np.ndarray) -> float:
    ordered = np.sort(values)[::-1]
    return float(ordered[:2].mean())


class OfflineRoleRater:
    def __init__(self, embedder: Embedder, indexer: Indexer) -> None:
        self.embedder = embedder
        self.indexer = indexer

    async def roles(self, docs: list[Doc]) -> dict[str, Role | None]:
        idx: PassageIndex = self.indexer(docs)
        augmentation = (idx.vectors @ self.embedder.encode(AUGMENTATION).T).max(axis=1)
        automation = (idx.vectors @ self.embedder.encode(AUTOMATION).T).max(axis=1)
        out: dict[str, Role | None] = {}
        for doc in docs:
            rows = idx.by_interview[doc.code]
            if rows.size == 0 or max(augmentation[rows].max(), automation[rows].max()) < RELEVANT:
                out[doc.code] = None
                continue
            aug, auto = _top2(augmentation[rows]), _top2(automation[rows])
            out[doc.code] = "augmentation" if aug >= auto else "automation"
        return out
