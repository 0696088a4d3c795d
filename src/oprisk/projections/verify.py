"""``oprisk verify``: re-walk every hash chain and compare the read models with a fresh rebuild."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from oprisk.projections.projector import Rows, replay_rows
from oprisk.store.eventstore import GENESIS, EventStore, RecordedEvent, chain_hash
from oprisk.store.schema import (
    financial_items,
    fx_rates,
    ledger_lines,
    log_head,
    loss_event_versions,
)


@dataclass(frozen=True)
class Problem:
    """One thing that does not match: where it is and what differs."""

    kind: str  # hash | chain | version | position | read_model
    detail: str
    stream_id: str | None = None
    version: int | None = None
    position: int | None = None

    def __str__(self) -> str:
        where = ", ".join(
            f"{k} {v}"
            for k, v in (
                ("stream", self.stream_id),
                ("version", self.version),
                ("position", self.position),
            )
            if v is not None
        )
        return f"{self.kind}: {self.detail}" + (f" ({where})" if where else "")


@dataclass(frozen=True)
class VerifyReport:
    events: int
    streams: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = f"{self.events} facts in {self.streams} streams: "
        if self.ok:
            return head + "every hash chain intact, read models match a rebuild"
        return (
            head + f"{len(self.problems)} problem(s)\n" + "\n".join(f"  {p}" for p in self.problems)
        )


def check_chains(records: Iterable[RecordedEvent], head: int) -> tuple[int, int, list[Problem]]:
    tips: dict[str, tuple[int, str]] = {}
    problems: list[Problem] = []
    expected_pos, n = 1, 0
    for r in records:
        n += 1
        if r.position != expected_pos:
            problems.append(
                Problem(
                    "position",
                    f"gap: expected position {expected_pos}, found {r.position}",
                    r.stream_id,
                    r.version,
                    r.position,
                )
            )
        expected_pos = r.position + 1
        version, prev = tips.get(r.stream_id, (0, GENESIS))
        if r.version != version + 1:
            problems.append(
                Problem(
                    "version", f"expected version {version + 1}", r.stream_id, r.version, r.position
                )
            )
        if r.prev_hash != prev:
            problems.append(
                Problem(
                    "chain",
                    "prev_hash does not match the previous fact's hash",
                    r.stream_id,
                    r.version,
                    r.position,
                )
            )
        if chain_hash(r.prev_hash, r) != r.hash:
            problems.append(
                Problem(
                    "hash",
                    "stored hash does not match the fact's content (changed behind the store's back?)",
                    r.stream_id,
                    r.version,
                    r.position,
                )
            )
        tips[r.stream_id] = (r.version, r.hash)
    if expected_pos - 1 != head:
        problems.append(
            Problem("position", f"log head says {head}, last fact is at {expected_pos - 1}")
        )
    return n, len(tips), problems


_TABLES: list[tuple[Any, tuple[str, ...], str]] = [
    (loss_event_versions, ("event_id", "version"), "versions"),
    (ledger_lines, ("position",), "ledger"),
    (fx_rates, ("position",), "fx"),
    (financial_items, ("position",), "financials"),
]


def compare_read_models(conn: Connection, expected: Rows, limit: int = 50) -> list[Problem]:
    problems: list[Problem] = []
    for table, key, attr in _TABLES:
        want = {tuple(r[k] for k in key): r for r in getattr(expected, attr)}
        have = {
            tuple(r._mapping[k] for k in key): dict(r._mapping) for r in conn.execute(select(table))
        }
        for k in sorted(set(want) | set(have), key=str):
            w, h = want.get(k), have.get(k)
            label = f"{table.name} row {dict(zip(key, k, strict=True))}"
            if w is None or h is None:
                problems.append(
                    Problem("read_model", f"{label} {'missing' if h is None else 'not in the log'}")
                )
            else:
                diff = [c for c in w if not _same(w[c], h.get(c))]
                if diff:
                    c = diff[0]
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


def _same(a: Any, b: Any) -> bool:
    if (
        hasattr(a, "tzinfo")
        and hasattr(b, "tzinfo")
        and a is not None
        and b is not None
        and hasattr(a, "hour")
    ):
        from oprisk.store.eventstore import utc

        return bool(utc(a) == utc(b))
    return bool(a == b)


def verify(conn: Connection, store: EventStore) -> VerifyReport:
    head = int(conn.execute(select(log_head.c.position)).scalar_one())
    n, streams, problems = check_chains(store.read_all(conn, upcast=False), head)
    problems += compare_read_models(conn, replay_rows(store.read_all(conn)))
    return VerifyReport(n, streams, problems)
