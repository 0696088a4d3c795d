"""``oprisk verify``: the log's hash chains, signed checkpoints, and the read models against a rebuild.

Three checks, each reading the log in pages so that memory stays bounded:

* **the chains** — one pass in position order (:func:`oprisk.store.chain.walk`): every fact's
  stored hash is the hash of its content, its stream predecessor and the fact before it in the
  log; positions have no gap; time never goes back; the stream links are checked by one join in
  the database; the log head names the last fact and its hash;
* **checkpoints** — the global hash at each position a signed checkpoint names must be the one
  signed: this is what catches a writer who recomputed every hash (the signature is checked
  first, against the public key given);
* **read models** — re-derived stream by stream, a page of streams at a time, and compared row by
  row with the tables; rows belonging to no fact are found by anti-joins.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select

from oprisk.errors import OpriskError
from oprisk.projections.projector import PROJECTED, Rows, build_rows
from oprisk.store.chain import Problem, head_problems, stream_link_problems, walk
from oprisk.store.checkpoint import Checkpoint, disagreements
from oprisk.store.eventstore import EventStore, utc
from oprisk.store.schema import (
    events,
    financial_items,
    fx_rates,
    ledger_lines,
    loss_event_versions,
)

__all__ = ["Problem", "VerifyReport", "compare_read_models", "verify"]


@dataclass(frozen=True)
class VerifyReport:
    events: int
    streams: int
    problems: list[Problem] = field(default_factory=list)
    checkpoints: tuple[Checkpoint, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_position(self) -> int | None:
        """The first position of the log that disagrees (with its hash, the chain or a checkpoint)."""
        found = [p.position for p in self.problems if p.kind != "read_model" and p.position]
        return min(found) if found else None

    def __str__(self) -> str:
        head = f"{self.events} facts in {self.streams} streams: "
        if self.ok:
            signed = "".join(
                f", agrees with {cp.name} (position {cp.position}, signed by "
                f"{cp.signature.signer if cp.signature else '?'})"
                for cp in self.checkpoints
            )
            return head + "every hash chain intact" + signed + ", read models match a rebuild"
        first = self.first_position
        lines = [head + f"{len(self.problems)} problem(s)"]
        if first is not None:
            lines.append(f"  first position that disagrees: {first}")
        return "\n".join(lines + [f"  {p}" for p in self.problems])


def verify(
    conn: Connection,
    store: EventStore,
    checkpoints: Sequence[Checkpoint] = (),
    limit: int = 50,
) -> VerifyReport:
    """Check the log (and against ``checkpoints``, whose signatures the caller has checked) and
    the read models. ``conn`` should be one snapshot (a read transaction)."""
    want = {p for cp in checkpoints for p, _ in cp.anchors}
    w = walk(conn, store.read_all(conn, batch_size=1000, upcast=False), want, limit)
    problems = w.problems + stream_link_problems(conn, limit) + head_problems(conn, w)
    problems += disagreements(w, checkpoints)
    problems += compare_read_models(conn, store, limit)
    streams = conn.execute(select(func.count(func.distinct(events.c.stream_id)))).scalar_one()
    return VerifyReport(w.facts, int(streams), problems[: limit * 2], tuple(checkpoints))


# --- read models --------------------------------------------------------------------------------

_TABLES: list[tuple[Any, tuple[str, ...], str]] = [
    (loss_event_versions, ("event_id", "version"), "versions"),
    (ledger_lines, ("position",), "ledger"),
    (fx_rates, ("position",), "fx"),
    (financial_items, ("position",), "financials"),
]
#: the fact each position-keyed table is built from
_FACT_OF = {"fx_rates": "fx_rate.recorded", "financial_items": "financials.recorded"}


def stream_pages(conn: Connection, facts_per_page: int = 1000) -> Iterator[list[str]]:
    """The ids of the projected streams, in pages of about ``facts_per_page`` facts."""
    after = ""
    page: list[str] = []
    size = 0
    while True:
        q = (
            select(events.c.stream_id, func.count())
            .where(events.c.stream_type.in_(sorted(PROJECTED)), events.c.stream_id > after)
            .group_by(events.c.stream_id)
            .order_by(events.c.stream_id)
            .limit(1000)
        )
        rows = conn.execute(q).all()
        if not rows:
            break
        for sid, n in rows:
            if page and size + n > facts_per_page:
                yield page
                page, size = [], 0
            page.append(sid)
            size += n
        after = rows[-1][0]
    if page:
        yield page


def compare_read_models(conn: Connection, store: EventStore, limit: int = 50) -> list[Problem]:
    """Re-derive the read models a page of streams at a time and compare them with the tables."""
    problems: list[Problem] = []
    for ids in stream_pages(conn):
        by_stream = store.read_streams(conn, ids)
        try:
            expected = build_rows((r for sid in ids for r in by_stream.get(sid, ())), {})
        except OpriskError:  # a changed log may not replay: find the streams, compare the rest
            expected, broken = _replay_each(ids, by_stream)
            problems += broken
        positions = {
            name: [r.position for sid in ids for r in by_stream.get(sid, ()) if r.event_type == f]
            for name, f in _FACT_OF.items()
        }
        problems += _compare_page(conn, expected, ids, positions, limit - len(problems))
        if len(problems) >= limit:
            return problems
    return problems + _orphans(conn, limit - len(problems))


def _replay_each(ids: list[str], by_stream: dict[str, list[Any]]) -> tuple[Rows, list[Problem]]:
    rows, broken = Rows(), []
    for sid in ids:
        try:
            one = build_rows(by_stream.get(sid, ()), {})
        except OpriskError as err:
            first = by_stream[sid][0] if by_stream.get(sid) else None
            broken.append(
                Problem(
                    "read_model",
                    f"the stream's facts do not replay: {err}"[:300],
                    sid,
                    position=first.position if first else None,
                )
            )
            continue
        for name in ("versions", "close", "ledger", "fx", "financials"):
            getattr(rows, name).extend(getattr(one, name))
    return rows, broken


def _compare_page(
    conn: Connection,
    expected: Rows,
    ids: list[str],
    positions: dict[str, list[int]],
    limit: int,
) -> list[Problem]:
    problems: list[Problem] = []
    for table, key, attr in _TABLES:
        want = {tuple(r[k] for k in key): r for r in getattr(expected, attr)}
        have: dict[tuple[Any, ...], dict[str, Any]] = {}
        values: list[Any] = ids if "event_id" in table.c else positions[table.name]
        where = table.c.event_id if "event_id" in table.c else table.c.position
        for i in range(0, len(values), 500):
            q = select(table).where(where.in_(values[i : i + 500]))
            have.update(
                {tuple(r._mapping[k] for k in key): dict(r._mapping) for r in conn.execute(q)}
            )
        for k in sorted(set(want) | set(have), key=str):
            w, h = want.get(k), have.get(k)
            label = f"{table.name} row {dict(zip(key, k, strict=True))}"
            if w is None or h is None:
                problems.append(
                    Problem("read_model", f"{label} {'missing' if h is None else 'not in the log'}")
                )
            else:
                c = next((c for c in w if not _same(w[c], h.get(c))), None)
                if c is not None:
                    problems.append(
                        Problem(
                            "read_model",
                            f"{label}: {c} is {h.get(c)!r}, the log gives {w[c]!r}",
                            stream_id=w.get("event_id"),
                            version=w.get("version"),
                            position=w.get("position") or w.get("valid_from_position"),
                        )
                    )
            if len(problems) >= limit:
                return problems
    return problems


def _orphans(conn: Connection, limit: int) -> list[Problem]:
    """Read-model rows that no fact of the log produces (anti-joins, in the database)."""
    e = events.c
    out: list[Problem] = []
    for table in (loss_event_versions, ledger_lines):
        q = (
            select(table.c.event_id, func.count())
            .where(
                ~exists().where(  # the whole (stream_id, version) key: one index probe
                    and_(
                        e.stream_id == table.c.event_id,
                        e.version == 1,
                        e.stream_type == "loss_event",
                    )
                )
            )
            .group_by(table.c.event_id)
            .order_by(table.c.event_id)
            .limit(max(limit, 0))
        )
        out += [
            Problem(
                "read_model",
                f"{table.name}: {n} row(s) of event {eid!r}, which the log does not have",
            )
            for eid, n in conn.execute(q)
        ]
    for table in (fx_rates, financial_items):
        q = (
            select(table.c.position)
            .where(
                ~exists().where(
                    and_(e.position == table.c.position, e.event_type == _FACT_OF[table.name])
                )
            )
            .order_by(table.c.position)
            .limit(max(limit, 0))
        )
        out += [
            Problem("read_model", f"{table.name} row at position {p}: no such fact in the log")
            for (p,) in conn.execute(q)
        ]
    return out[: max(limit, 0)]


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    # SQLite hands timestamps back naive (UTC)
    return hasattr(a, "hour") and hasattr(b, "hour") and bool(utc(a) == utc(b))
