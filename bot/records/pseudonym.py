"""Stable per-study participant codes: a keyed HMAC of the platform identity, never the id itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy.exc import IntegrityError

from bot.messages import Address
from bot.storage import Store
from bot.storage.models import Setting


class Pseudonyms:
    def __init__(self, key: bytes):
        self._key = key

    def code(self, study_id: str, who: Address) -> str:
        digest = hmac.new(self._key, f"{study_id}|{who.key}".encode(), hashlib.sha256).digest()
        return "P-" + base64.b32encode(digest).decode()[:10]

    @classmethod
    async def load(cls, store: Store, configured: str | None) -> Pseudonyms:
        """Use the configured key, else the instance's generated key (created once, kept in the database)."""
        if configured:
            return cls(configured.encode())
        try:
            async with store.session() as s:
                row = await s.get(Setting, "pseudonym_key")
                if row is None:
                    row = Setting(name="pseudonym_key", value=secrets.token_hex(32))
                    s.add(row)
        except IntegrityError:  # another worker starting at the same moment stored its key first: use it
            async with store.session() as s:
                row = await s.get(Setting, "pseudonym_key")
            assert row is not None
        return cls(row.value.encode())
