"""Read models, updated in the same transaction as the append (design.md §4).

* ``loss_event_versions`` — every state a loss event has had, valid from one position (and
  time) to the next: the current state is the row whose ``valid_to_position`` is null, the state
  as known at position P the row valid at P, so as-of questions are SQL, not replays;
* ``ledger_lines`` — impact and recovery lines with their accounting dates;
* ``fx_rates`` and ``financial_items`` — dated facts as rows.

Rows are built by pure functions of (state, fact), which is what lets ``rebuild`` and ``verify``
recompute the tables from the log and compare them row for row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Connection, delete

from oprisk.domain import events as e
from oprisk.domain.loss_event import LossEventState, evolve, initial
from oprisk.domain.taxonomy import business_line, event_type
from oprisk.progress import ProgressOption
from oprisk.progress import progress as progress_of
from oprisk.store.bulk import close_versions, insert_rows
from oprisk.store.eventstore import EventStore, RecordedEvent
from oprisk.store.schema import (
    READ_MODELS,
    financial_items,
    fx_rates,
    ledger_lines,
    loss_event_versions,
)

LOSS_EVENT = "loss_event"
FX = "fx_rate"
FINANCIALS = "financials"
PROJECTED = frozenset({LOSS_EVENT, FX, FINANCIALS})


@dataclass
class Rows:
    """Rows produced from a run of facts, ready to insert (and the version rows to close)."""

    versions: list[dict[str, Any]] = field(default_factory=list)
    close: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    fx: list[dict[str, Any]] = field(default_factory=list)
    financials: list[dict[str, Any]] = field(default_factory=list)


@cache
def _event_type_l1(code: str) -> str:
    return event_type(code).l1


@cache
def _business_line_l1(code: str) -> str:
    return business_line(code).l1


def version_row(s: LossEventState, r: RecordedEvent) -> dict[str, Any]:
    return {
        "event_id": s.event_id,
        "version": s.version,
        "valid_from_position": r.position,
        "valid_to_position": None,
        "valid_from_time": r.recorded_at,
        "valid_to_time": None,
        "fact": r.event_type,
        "title": s.title,
        "description": s.description,
        "event_type": s.event_type,
        "event_type_l1": _event_type_l1(s.event_type),
        "cause": s.cause,
        "business_line": s.business_line,
        "business_line_l1": _business_line_l1(s.business_line),
        "legal_entity": s.legal_entity,
        "lei": s.lei,
        "org_unit": s.org_unit,
        "occurred_on": s.occurred_on,
        "discovered_on": s.discovered_on,
        "first_accounted_on": s.first_accounted_on,
        "currency": s.currency,
        "near_miss": s.near_miss,
        "gain": s.gain,
        "credit_boundary": s.credit_boundary,
        "market_boundary": s.market_boundary,
        "legal": s.legal,
        "source": s.source,
        "external_id": s.external_id,
        "reported_by": s.reported_by,
        "approved_by": s.approved_by,
        "approved_version": s.approved_version,
        "status": s.status,
        "pending": s.pending.kind if s.pending else None,
        "root_event_id": s.root_event_id,
        "excluded": s.excluded,
        "exclusion_reference": s.exclusion_reference,
        "gross_loss": s.gross_loss,
        "recoveries_insurance": s.recoveries_insurance,
        "recoveries_other": s.recoveries_other,
        "recoveries_receivable": s.recoveries_receivable,
        "net_loss": s.net_loss,
    }


def ledger_row(f: e.ImpactRecorded | e.RecoveryRecorded, r: RecordedEvent) -> dict[str, Any]:
    if isinstance(f, e.ImpactRecorded):
        gross = e.IMPACT_SIGN[f.kind] * f.amount
        line_type, net, received = "impact", gross, True
    else:
        line_type, gross, received = "recovery", Decimal(0), f.received
        net = -f.amount if f.received else Decimal(0)
    return {
        "position": r.position,
        "event_id": r.stream_id,
        "version": r.version,
        "line_id": f.line_id,
        "line_type": line_type,
        "kind": f.kind,
        "amount": f.amount,
        "gross_effect": gross,
        "net_effect": net,
        "currency": f.currency,
        "accounted_on": f.accounted_on,
        "received": received,
        "recorded_at": r.recorded_at,
    }


#: (stream id, version) → (fact, state after it), when the caller has already folded the facts
Folded = Mapping[tuple[str, int], tuple[e.Fact, LossEventState]]


def build_rows(
    recorded: Iterable[RecordedEvent],
    states: MutableMapping[str, LossEventState],
    folded: Folded | None = None,
) -> Rows:
    """Fold facts into rows; ``states`` holds each stream's state before the run and is updated.

    ``folded`` lets the append path hand over the facts and states it computed while deciding, so
    they are not parsed and folded twice; rebuild and verify fold from the stored payloads.
    """
    rows = Rows()
    open_rows: dict[str, dict[str, Any]] = {}
    for r in recorded:
        if r.stream_type not in PROJECTED or r.event_type not in e.REGISTRY:
            continue  # streams the read models do not cover (tests, extensions)
        done = folded.get((r.stream_id, r.version)) if folded else None
        f = done[0] if done else e.fact_from(r.event_type, r.payload)
        if r.stream_type == LOSS_EVENT:
            before = states.get(r.stream_id) or initial(r.stream_id)
            after = done[1] if done else evolve(before, f)
            states[r.stream_id] = after
            prev = open_rows.get(r.stream_id)
            if prev is not None:
                prev["valid_to_position"], prev["valid_to_time"] = r.position, r.recorded_at
            elif before.exists:
                rows.close.append(
                    {"k_event_id": r.stream_id, "k_pos": r.position, "k_time": r.recorded_at}
                )
            row = version_row(after, r)
            rows.versions.append(row)
            open_rows[r.stream_id] = row
            if isinstance(f, e.ImpactRecorded | e.RecoveryRecorded):
                rows.ledger.append(ledger_row(f, r))
        elif isinstance(f, e.FxRateRecorded):
            rows.fx.append(
                {
                    "position": r.position,
                    "currency": f.currency,
                    "quote": f.quote,
                    "rate_date": f.rate_date,
                    "rate": f.rate,
                    "recorded_at": r.recorded_at,
                }
            )
        elif isinstance(f, e.FinancialItemRecorded):
            rows.financials.append(
                {
                    "position": r.position,
                    "legal_entity": f.legal_entity,
                    "year": f.year,
                    "item": f.item,
                    "business_line": f.business_line or "",
                    "amount": f.amount,
                    "currency": f.currency,
                    "recorded_at": r.recorded_at,
                }
            )
    return rows


def write_rows(conn: Connection, rows: Rows) -> None:
    close_versions(conn, loss_event_versions, rows.close)
    for table, data in (
        (loss_event_versions, rows.versions),
        (ledger_lines, rows.ledger),
        (fx_rates, rows.fx),
        (financial_items, rows.financials),
    ):
        if data:
            insert_rows(conn, table, data)


class Projector:
    """Keeps the read models in step with the log, inside the append's transaction."""

    def apply(
        self,
        conn: Connection,
        recorded: list[RecordedEvent],
        states: MutableMapping[str, LossEventState],
        folded: Folded | None = None,
    ) -> None:
        write_rows(conn, build_rows(recorded, states, folded))

    def clear(self, conn: Connection) -> None:
        for table in READ_MODELS:
            conn.execute(delete(table))


def rebuild(
    conn: Connection,
    store: EventStore,
    batch_facts: int = 10_000,
    progress: ProgressOption = False,
) -> int:
    """Clear the read models and write them again from the log, a batch of whole streams
    (about ``batch_facts`` facts) at a time, so memory is bounded by the batch, not the log.
    Returns the facts replayed (the log's head position)."""
    Projector().clear(conn)
    total = store.head(conn)
    with progress_of(progress, total=total, desc="rebuild", unit="facts") as bar:
        for batch in store.read_by_stream(conn, batch_facts):
            write_rows(conn, build_rows(batch, {}))
            bar.update(len(batch))
    return total


def replay_rows(recorded: Iterable[RecordedEvent]) -> Rows:
    """Rows for the whole log from position 0 (for rebuild and verify)."""
    return build_rows(recorded, {})


def states_from(rows_by_stream: Mapping[str, list[RecordedEvent]]) -> dict[str, LossEventState]:
    """Each stream's state, folded from its facts."""
    out: dict[str, LossEventState] = {}
    for sid, recs in rows_by_stream.items():
        s = initial(sid)
        for r in recs:
            s = evolve(s, e.fact_from(r.event_type, r.payload))
        out[sid] = s
    return out
