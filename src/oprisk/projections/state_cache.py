"""The loss-event states a long-running writer committed, kept for its next write transaction.

The HTTP service's writer thread decides batch after batch of commands on the same streams (an
event reported, then its impacts, its workflow). Reading and folding every stream's facts again
in each batch was most of a batch's reads. Instead the states a batch leaves are kept with the log
head its commit left, and they decide a command only while the head is still there, checked under
the head's lock at the start of the next write transaction: any other append (another process,
the loader, the facade in this process) moves the head, and the cache is then emptied, so a state
folded before someone else's append never decides a command. The head is compared by position
and hash, the hash being a commitment to every fact before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection

from oprisk.domain.loss_event import LossEventState
from oprisk.store.eventstore import EventStore, RecordedEvent


class StateCache:
    """Loss-event states as of the log head the last committed batch left (one writer's)."""

    def __init__(self, capacity: int = 20_000) -> None:
        #: streams kept at most; the ones least recently written go first
        self.capacity = capacity
        self._states: dict[str, LossEventState] = {}
        self._head: tuple[int, str] | None = None  # where the kept states are true
        self._at: tuple[int, str] | None = None  # the head the current transaction locked
        self._locked: tuple[int, datetime | None, str] | None = None  # as lock_head gave it
        self._staged: tuple[tuple[int, str], dict[str, LossEventState]] | None = None

    def begin(self, conn: Connection, store: EventStore) -> bool:
        """Lock the log head in ``conn``'s write transaction and check the kept states against
        it; ``True`` if the log moved since the last commit kept here (the states are dropped)."""
        self._locked = store.lock_head(conn)
        position, _, head_hash = self._locked
        self._at, self._staged = (position, head_hash), None
        if self._at == self._head:
            return False
        self._states.clear()
        self._head = None
        return True

    def states(self) -> Mapping[str, LossEventState]:
        """The kept states, true at the head :meth:`begin` locked in this transaction."""
        if self._at is None:
            raise RuntimeError("StateCache.states() outside a transaction begun with begin()")
        return self._states

    def locked(self) -> tuple[int, datetime | None, str]:
        """The head :meth:`begin` locked in this transaction (position, time, hash), before the
        transaction appends (:meth:`stage` comes after the append)."""
        if self._at is None or self._locked is None:
            raise RuntimeError("StateCache.locked() outside a transaction begun with begin()")
        return self._locked

    def stage(
        self, states: Mapping[str, LossEventState], recorded: Sequence[RecordedEvent]
    ) -> None:
        """The states after this transaction's appends (``recorded``), kept once it commits."""
        if self._at is None:
            raise RuntimeError("StateCache.stage() outside a transaction begun with begin()")
        head = (recorded[-1].position, recorded[-1].hash) if recorded else self._at
        self._staged, self._at, self._locked = (head, dict(states)), None, None

    def committed(self) -> None:
        """The transaction committed: keep what it staged (nothing staged: nothing changes)."""
        self._at = self._locked = None
        if self._staged is None:
            return
        (head, states), self._staged = self._staged, None
        for sid, state in states.items():
            self._states.pop(sid, None)  # re-inserted last: the most recently written
            self._states[sid] = state
        while len(self._states) > self.capacity:
            del self._states[next(iter(self._states))]
        self._head = head

    def clear(self) -> None:
        """Forget every state (the next transaction reads the streams it needs)."""
        self._states.clear()
        self._head = self._at = self._staged = self._locked = None
