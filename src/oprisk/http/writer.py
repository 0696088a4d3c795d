"""Group commit: one writer thread appends the commands of many requests in one transaction.

Every append locks the log head, so concurrent writers only ever wait for each other; left to the
database they wait in no particular order (SQLite's busy handler polls in sleeps of up to 100 ms,
PostgreSQL wakes the row lock's waiters as it pleases), and each pays for its own transaction.
Here request threads put their commands in a queue (first come, first served) and wait; the
writer takes everything queued, opens one write transaction, runs each request in a SAVEPOINT of
its own (a refused command rolls back its savepoint only, and its request gets its own error),
commits once, and answers every request with its own facts. A request's ``then`` (the answer kept
under its ``Idempotency-Key``) runs in its savepoint, so facts and answer still commit together.

Before the batch the writer folds the principal facts appended since the last look in the same
transaction, and each request's ``check`` runs in its savepoint: a token revoked before the batch
began is refused (401) and appends nothing.

Between batches the writer keeps the states of the streams it wrote (``StateCache``), so an
impact on an event reported a moment ago is decided without reading and folding its facts again.
They are used only while the log head, locked at the start of the batch, is still where the
writer's last commit left it; an append by anyone else moves it, and the states (and the
principals, then folded again) are read from the database.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from oprisk.api import Database, Requested, StateCache
from oprisk.domain import commands as c
from oprisk.errors import ConcurrencyError

#: requests appended in one transaction at most (the rest wait for the next one)
MAX_BATCH = 64


@dataclass
class Job:
    """One request's commands and what ``Database.execute`` takes with them."""

    commands: Sequence[c.Command]
    idempotency_key: str | None
    meta: dict[str, Any]
    expected: dict[str, int] | None
    then: Callable[[Any, list[Any]], None] | None
    check: Callable[[], None]
    done: Future[list[Any]] = field(default_factory=Future)


class Writer:
    """The queue and the thread that appends what is in it (started on first use)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.cache = StateCache()  # used by the writer thread only

    def submit(self, job: Job) -> Future[list[Any]]:
        """Queue ``job`` for the next group commit: the future is its facts (or its error) once
        that has committed."""
        self._ensure_started()
        self._queue.put(job)
        return job.done

    def close(self) -> None:
        """Finish what is queued and stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="oprisk-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            self.commit(batch)
            if stop:
                return

    def commit(self, batch: list[Job]) -> None:
        """Append ``batch`` in one transaction and answer each job (the writer thread's step):
        together (one read, one append), or, if that fails as a whole, one savepoint each."""
        try:
            together = self._together(batch)
        except ConcurrencyError as err:
            # another process appended meanwhile: a request on its own gets the version conflict
            # (as it always has); in a batch, whose stream it was is unknown: one by one
            self.cache.clear()
            together = None if len(batch) > 1 else [err]
        except Exception:  # e.g. a failing answer record: roll back, go one by one
            self.cache.clear()
            together = None
        else:
            self.cache.committed()
        if together is None:
            self._one_by_one(batch)
            return
        for job, outcome in zip(batch, together, strict=True):
            if isinstance(outcome, BaseException):
                job.done.set_exception(outcome)
            else:
                job.done.set_result(outcome)

    def _together(self, batch: list[Job]) -> list[list[Any] | BaseException] | None:
        outcomes: list[list[Any] | BaseException] = []
        with self.db.writing() as conn:
            if self.cache.begin(conn, self.db.store):  # the log moved since the last batch
                self.db.principals.refresh(conn)
            checked: list[Job] = []
            for job in batch:
                try:
                    job.check()
                except Exception as err:
                    outcomes.append(err)
                else:
                    outcomes.append([])
                    checked.append(job)
            requested = [
                Requested(j.commands, j.idempotency_key, j.meta, j.expected) for j in checked
            ]
            appended = self.db.recorder.execute_many(conn, requested, self.cache)
            if appended is None:
                return None
            it = iter(appended)
            for i, outcome in enumerate(outcomes):
                if isinstance(outcome, BaseException):
                    continue
                mine = next(it)
                then = batch[i].then
                if isinstance(mine, list) and then is not None:
                    then(conn, mine)  # an error here fails the batch: one by one then
                outcomes[i] = mine
        return outcomes

    def _one_by_one(self, batch: list[Job]) -> None:
        results: list[tuple[Job, list[Any] | None, BaseException | None]] = []
        try:
            with self.db.writing() as conn:
                self.db.principals.refresh(conn)
                for job in batch:
                    results.append((job, *self._one(conn, job)))
        except BaseException as err:  # the transaction failed: nothing of the batch committed
            answered = {id(job) for job, _, error in results if error is not None}
            for job in batch:
                if id(job) not in answered:
                    job.done.set_exception(err)
            for job, _, error in results:
                if error is not None:
                    job.done.set_exception(error)
            if not isinstance(err, Exception):
                raise
            return
        for job, facts, error in results:
            if error is not None:
                job.done.set_exception(error)
            else:
                job.done.set_result(facts or [])

    def _one(self, conn: Any, job: Job) -> tuple[list[Any] | None, BaseException | None]:
        try:
            job.check()  # reads memory only; the append below is the request's savepoint
            facts = self.db.recorder.execute(
                job.commands,
                idempotency_key=job.idempotency_key,
                meta=job.meta,
                expected=job.expected,
                then=job.then,
                conn=conn,
            )
        except Exception as err:  # this request's error, answered to it; the others go on
            return None, err
        return facts, None
