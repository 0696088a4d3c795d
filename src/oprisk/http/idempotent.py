"""Running a command for a request: ``Idempotency-Key`` replays, ``If-Match``, the ``ETag``.

* A request with an ``Idempotency-Key`` that this principal already used gets the first response
  back (``Idempotent-Replayed: true``) and runs nothing; the same key on a different request is a
  422. Only successful responses are kept: a refused request appended nothing, so a retry is a
  fresh attempt against the current state.
* The command carries the store idempotency key ``http:<principal>:<key>``, so two copies of a
  request racing each other append once; the loser finds the winner's facts and answers with the
  same response.
* ``If-Match: "<version>"`` is the version the client last saw: the append happens only if the
  event is still at that version (else 412). ``ETag`` is the event's version after the command.
* The answers this process stored or read are remembered (the most recent ones): a stored answer
  never changes, so a retry is answered from memory, without a read or a trip to the writer.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from oprisk.api import Database
from oprisk.domain import commands as c
from oprisk.errors import ConcurrencyError, DomainError, invalid
from oprisk.http.auth import Caller, Guard
from oprisk.http.problems import Problem, bad
from oprisk.http.writer import Job, Writer

_KEY = re.compile(r"[\x21-\x7e]{1,200}")
_ETAG = re.compile(r'(?:W/)?"(\d+)"')


def idempotency_key(request: Request) -> str | None:
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # the draft's structured-field string form
        key = key[1:-1]
    if not _KEY.fullmatch(key):
        raise bad("Idempotency-Key", raw, "must be 1-200 visible ASCII characters")
    return key


def if_match(request: Request) -> int | None:
    """The version in ``If-Match`` (``None`` without the header; ``*`` means any version)."""
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    m = _ETAG.fullmatch(raw.strip())
    if m is None:
        raise bad("If-Match", raw, 'must be an ETag of this API, e.g. "3"')
    return int(m[1])


def etag(version: int) -> str:
    return f'"{version}"'


def fingerprint(request: Request, body: Any) -> str:
    """What makes two requests the same: method, path, parsed body and ``If-Match``."""
    parts = [request.method, request.url.path, body, request.headers.get("if-match")]
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()


def replay(stored: Any, request_hash: str, key: str) -> Response:
    if stored.request_hash != request_hash:
        raise Problem(
            422,
            "idempotency-key-reused",
            f"Idempotency-Key {key!r} was already used for a different request "
            f"({stored.method} {stored.path}); use a new key for a new request",
        )
    return Response(
        stored.body.encode(),
        status_code=stored.status,
        headers={**stored.headers, "Idempotent-Replayed": "true"},
    )


class Answers:
    """The answers stored under an ``Idempotency-Key`` that this process kept or read, the most
    recent ``capacity`` of them (the table only takes inserts: an answer, once stored, is final)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._answers: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()  # the event loop and the threadpool's reads both keep

    def get(self, principal: str, key: str) -> Any:
        """The stored answer (with ``request_hash``, ``status``, ``headers``, ``body`` …) or
        ``None`` if none is remembered."""
        with self._lock:
            return self._answers.get((principal, key))

    def keep(self, stored: Any) -> Any:
        """Remember ``stored``, an answer known to be committed; returns it."""
        with self._lock:
            self._answers[(stored.principal, stored.idempotency_key)] = stored
            self._answers.move_to_end((stored.principal, stored.idempotency_key))
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)
        return stored


class _KeyTaken(Exception):
    """Raised inside the append's transaction to roll it back: the key already has an answer."""


class Runner:
    """Runs commands for requests (see the module docstring)."""

    def __init__(self, db: Database, guard: Guard) -> None:
        self.db = db
        self.guard = guard
        # appends go through one queue and one writer thread, many requests per transaction
        # (group commit, see oprisk.http.writer)
        self.writer = Writer(db)
        self.answers = Answers()

    def once(
        self,
        request: Request,
        caller: Caller,
        body: Any,
        produce: Callable[[], tuple[int, dict[str, Any], dict[str, str]]],
    ) -> Response:
        """Answer ``produce()`` (status, JSON body, headers) once per idempotency key."""
        key = idempotency_key(request)
        request_hash = fingerprint(request, body)
        if key is not None and (stored := self._find(caller.key, key)):
            return replay(stored, request_hash, key)
        status, content, headers = produce()
        return self._keep(
            request, caller, key, request_hash, status, orjson.dumps(content), headers
        )

    def _keep(
        self,
        request: Request,
        caller: Caller,
        key: str | None,
        request_hash: str,
        status: int,
        data: bytes,
        headers: dict[str, str],
    ) -> Response:
        """Store a first answer under the key and send it; if a copy of the request stored its
        answer first, send that one."""
        if key is not None:
            fields = self._fields(request, caller, key, request_hash, status, data, headers)
            first = self.answers.keep(self.db.idempotency.save(**fields))
            if first.request_id != request.state.request_id:
                return replay(first, request_hash, key)
        return Response(data, status_code=status, headers=headers)

    def _find(self, principal: str, key: str) -> Any:
        """The answer stored under ``key``: remembered, or read (and then remembered)."""
        stored = self.answers.get(principal, key)
        if stored is None and (stored := self.db.idempotency.find(principal, key)):
            self.answers.keep(stored)
        return stored

    @staticmethod
    def _fields(
        request: Request,
        caller: Caller,
        key: str,
        request_hash: str,
        status: int,
        data: bytes,
        headers: dict[str, str],
    ) -> dict[str, Any]:
        return {
            "principal": caller.key,
            "idempotency_key": key,
            "request_hash": request_hash,
            "request_id": request.state.request_id,
            "method": request.method,
            "path": request.url.path,
            "status": status,
            "headers": headers,
            "body": data.decode(),
        }

    async def command(
        self,
        request: Request,
        caller: Caller,
        event_id: str,
        commands: Sequence[c.Command],
        body: Any,
        *,
        created: bool = False,
        four_eyes: bool = False,
    ) -> Response:
        """Execute ``commands`` on one event for a request and answer with what they appended.

        With an idempotency key the answer is stored in the append's own transaction, so the
        facts and the answer commit together. The common path (appended, answer kept) waits for
        the writer on the event loop, without a worker thread; the rest reads in one."""
        key = idempotency_key(request)
        request_hash = fingerprint(request, body)
        if key is not None and (stored := self.answers.get(caller.key, key)):
            # a retry of an answer kept here: no trip to the writer, one read to confirm the
            # caller (a token revoked a moment ago is refused here too)
            await run_in_threadpool(self.guard.confirm, request)
            return replay(stored, request_hash, key)
        sent: list[tuple[Any, Response]] = []

        def keep_with_the_facts(conn: Any, facts: list[Any]) -> None:
            sent.clear()  # the last try counts: an earlier one was rolled back
            if key is None or not facts:
                return
            status, data, headers = self._answer(request, event_id, facts, created)
            fields = self._fields(request, caller, key, request_hash, status, data, headers)
            stored = self.db.idempotency.record(conn, **fields)
            if stored is None:
                raise _KeyTaken  # the key answered another request: roll this append back
            sent.append((stored, Response(data, status_code=status, headers=headers)))

        # The common case (a new key) costs no look-up: the store refuses a second append under
        # the same key and the answer's record refuses a second answer; only then is it read.
        try:
            facts = await self.execute(
                request, caller, event_id, commands, four_eyes, keep_with_the_facts
            )
        except (_KeyTaken, DomainError, ConcurrencyError, Problem) as err:
            if isinstance(err, Problem) and err.status == 401:
                raise  # the token was revoked: no stored answer for it either
            if key is not None and (stored := await run_in_threadpool(self._find, caller.key, key)):
                return replay(stored, request_hash, key)
            raise
        if sent:  # committed with the facts: a retry is answered from memory
            answer, response = sent[0]
            self.answers.keep(answer)
            return response
        if key is not None and (stored := self.answers.get(caller.key, key)):
            return replay(stored, request_hash, key)  # a copy in the same batch answered first
        return await run_in_threadpool(
            self._unanswered, request, caller, key, request_hash, event_id, facts, created
        )

    def _unanswered(
        self,
        request: Request,
        caller: Caller,
        key: str | None,
        request_hash: str,
        event_id: str,
        facts: list[Any],
        created: bool,
    ) -> Response:
        """The answer when the writer kept none: the stored one, or one built now (from the
        facts a copy of the request appended first, if this one appended none)."""
        if key is not None and (stored := self._find(caller.key, key)):
            return replay(stored, request_hash, key)
        if key is not None and not facts:
            facts = self.db.idempotency.appended(f"http:{caller.key}:{key}", event_id)
        # nothing appended and no answer stored: a copy appended first and stopped before its
        # answer was kept, or there was nothing to add
        status, data, headers = self._answer(request, event_id, facts, created)
        return self._keep(request, caller, key, request_hash, status, data, headers)

    def _answer(
        self, request: Request, event_id: str, facts: list[Any], created: bool
    ) -> tuple[int, bytes, dict[str, str]]:
        rid = request.state.request_id
        version = facts[-1].version if facts else self.db.state(event_id).version
        content = {
            "event_id": event_id,
            "version": version,
            "facts": [
                {
                    "position": f.position,
                    "version": f.version,
                    "fact": f.event_type,
                    "recorded_at": f.recorded_at.isoformat(),
                }
                for f in facts
            ],
            "request_id": facts[0].meta.get("request_id", rid) if facts else rid,
        }
        headers = {"ETag": etag(version), "Content-Type": "application/json"}
        if created:
            headers["Location"] = f"/v1/loss-events/{event_id}"
        return (201 if created else 200), orjson.dumps(content), headers

    async def execute(
        self,
        request: Request,
        caller: Caller,
        event_id: str,
        commands: Sequence[c.Command],
        four_eyes: bool,
        then: Callable[[Any, list[Any]], None] | None = None,
    ) -> list[Any]:
        key = idempotency_key(request)
        store_key = f"http:{caller.key}:{key}" if key else None
        wanted = if_match(request)
        expected = {event_id: wanted} if wanted is not None else None
        if four_eyes:
            expected = await run_in_threadpool(self._four_eyes, caller, event_id, wanted)
        meta = {"request_id": request.state.request_id, "via": "http"}
        if key:
            meta["idempotency_key"] = key
        job = Job(
            list(commands), store_key, meta, expected, then, lambda: self.guard.recheck(request)
        )
        try:
            facts = await asyncio.wrap_future(self.writer.submit(job))
        except (DomainError, ConcurrencyError) as err:
            appended = self.db.idempotency.appended
            twin = await run_in_threadpool(appended, store_key, event_id) if store_key else []
            if twin:
                return twin  # a copy of this request appended first: answer as it did
            if isinstance(err, ConcurrencyError) and wanted is not None:
                raise Problem(
                    412, "precondition-failed", f"If-Match {etag(wanted)}: {err}"
                ) from err
            raise
        return facts  # [] if a copy of this request appended first (see _unanswered)

    def _four_eyes(self, caller: Caller, event_id: str, wanted: int | None) -> dict[str, int]:
        """Approver ≠ reporter and ≠ submitter, compared case-folded (NFKC) here whatever the
        domain compares; the version read is the one the append must find."""
        from oprisk.domain.principals import fold
        from oprisk.errors import FourEyesError

        state = self.db.state(event_id)
        if wanted is not None and state.version != wanted:
            raise Problem(
                412,
                "precondition-failed",
                f"If-Match {etag(wanted)}: loss event {event_id!r} is at version {state.version}",
            )
        if caller.key in {fold(state.reported_by), fold(state.submitted_by or "")}:
            raise FourEyesError(
                invalid(
                    "actor",
                    caller.name,
                    f"the reporter or submitter of {event_id!r} cannot be its approver (four eyes)",
                )
            )
        return {event_id: state.version}
