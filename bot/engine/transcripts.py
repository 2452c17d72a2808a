"""Recent interviews' transcripts as this process wrote them, so asking for a move reads no turn twice."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

StoredTurn = tuple[str, str, datetime]  # role, text, created_at: what the interviewer's context needs


class TranscriptCache:
    """Recent interviews' transcripts as this process wrote them, so that asking for a move does not
    read every turn again. An entry is used only while it holds exactly as many turns as the interview
    row counts (`Progress.turn_seq`): turns another worker wrote, or a rolled-back write followed by
    someone else's, make the counts differ and the transcript is read from the database. The engine
    clears the cache when a transaction fails, so a turn that was never committed is not reused."""

    def __init__(self, size: int = 2000):
        self.size = size
        self._entries: OrderedDict[int, list[StoredTurn]] = OrderedDict()

    def added(self, interview_id: int, seq: int, turn: StoredTurn) -> None:
        """Turn number `seq` (from 1) was written in the current transaction."""
        turns = self._entries.get(interview_id)
        if turns is None and seq == 1:
            turns = self._keep(interview_id, [])
        if turns is None or len(turns) < seq - 1:  # earlier turns unknown here: read them when needed
            self._entries.pop(interview_id, None)
            return
        del turns[seq - 1 :]
        turns.append(turn)

    def get(self, interview_id: int, count: int) -> list[StoredTurn] | None:
        if count == 0:  # the interview row counts no turns: there are none to read
            return []
        turns = self._entries.get(interview_id)
        if turns is None or len(turns) != count:
            return None
        self._entries.move_to_end(interview_id)
        return turns

    def _keep(self, interview_id: int, turns: list[StoredTurn]) -> list[StoredTurn]:
        self._entries[interview_id] = turns
        self._entries.move_to_end(interview_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return turns

    def store(self, interview_id: int, turns: list[StoredTurn]) -> None:
        self._keep(interview_id, turns)

    def forget(self, interview_id: int | None = None) -> None:
        """Drop one interview's entry, or (None) every entry."""
        if interview_id is None:
            self._entries.clear()
        else:
            self._entries.pop(interview_id, None)
