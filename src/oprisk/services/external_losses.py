"""External loss data (consortium or public) in the store: record, query as of a cut-off.

Each external loss is its own stream ``external_loss-{source}-{external_id}`` of
``external_loss.recorded`` facts (:mod:`oprisk.domain.scenarios`); a later fact with other content
revises it, the same content again appends nothing. They are read straight from the log (no read
model): the loss-event read models never see them, so the loss component, C 17 and any internal
LDA are unchanged by loading external data.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from oprisk.domain.external_losses import external_loss_fact
from oprisk.domain.scenarios import EXTERNAL_LOSS, ExternalLossRecorded, external_stream
from oprisk.errors import DataQualityWarning, DomainError, invalid
from oprisk.projections import queries as q
from oprisk.store.eventstore import Append, NewEvent, RecordedEvent, canonical
from oprisk.store.schema import events

if TYPE_CHECKING:
    from oprisk.ports import AsOf, Transactions

#: Columns of :func:`external_losses` (the contract of docs/scenarios.md; more may follow).
COLUMNS = [
    "external_id", "source", "occurred_on", "event_type", "business_line", "amount", "currency",
    "amount_reporting", "size_indicator", "threshold", "event_type_l2", "business_line_l2",
    "reference_currency", "size_indicator_stated", "threshold_stated", "institution",
    "description", "revision", "position",
]  # fmt: skip


def external_facts(rows: Iterable[Mapping[str, Any]]) -> list[ExternalLossRecorded]:
    """Check every row (raising on the first bad one) and build the facts."""
    facts = [external_loss_fact(r) for r in rows]
    keys = [(f.source, f.external_id) for f in facts]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        raise DomainError(invalid("external_id", dup, "must be unique per source in one batch"))
    return facts


def record_external_losses(
    uow: Transactions,
    facts: Iterable[ExternalLossRecorded],
    *,
    actor: str,
    command: str = "RecordExternalLoss",
) -> list[RecordedEvent]:
    """Append the facts whose content differs from their stream's latest, in one transaction."""
    if not isinstance(actor, str) or not actor.strip():
        raise DomainError(invalid("actor", actor, "must be a non-empty string"))
    meta = {"actor": actor, "command": command}
    appends = [
        Append(
            external_stream(f.source, f.external_id),
            EXTERNAL_LOSS,
            [NewEvent(f.event_type, f.payload(), f.schema_version, meta)],
        )
        for f in facts
    ]
    if not appends:
        return []
    with uow.writing() as conn:
        stored = uow.store.read_streams(conn, [a.stream_id for a in appends])
        for sid, have in stored.items():
            if have and have[0].stream_type != EXTERNAL_LOSS:  # a loss event holds the stream
                raise DomainError(
                    invalid("external_id", sid, f"its stream already holds {have[0].stream_type} "
                            "facts")
                )  # fmt: skip
        fresh = [
            a
            for a in appends
            if not stored.get(a.stream_id)
            or canonical(stored[a.stream_id][-1].payload) != canonical(a.events[0].payload)
        ]
        return uow.store.append_batch(conn, fresh) if fresh else []


def external_outcomes(uow: Transactions, facts: Iterable[ExternalLossRecorded]) -> list[str]:
    """Per fact: ``loaded`` (a new loss), ``changed`` (a revision) or ``unchanged``."""
    facts = list(facts)
    with uow.reading() as conn:
        stored = uow.store.read_streams(
            conn, [external_stream(f.source, f.external_id) for f in facts]
        )
    out = []
    for f in facts:
        have = stored.get(external_stream(f.source, f.external_id))
        if not have:
            out.append("loaded")
        elif canonical(have[-1].payload) == canonical(f.payload()):
            out.append("unchanged")
        else:
            out.append("changed")
    return out


def record_external_loss(uow: Transactions, *, actor: str, **fields: Any) -> list[RecordedEvent]:
    """Record one external loss (or revise it); the same content again appends nothing."""
    return record_external_losses(uow, external_facts([fields]), actor=actor)


def external_losses(uow: Transactions, reporting_currency: str, as_of: AsOf = None) -> pd.DataFrame:
    """External losses known at ``as_of``, one row each (latest revision), columns :data:`COLUMNS`.

    ``amount_reporting`` converts the loss, and ``size_indicator`` / ``threshold`` convert the
    stated figures (``*_stated``, in ``reference_currency``), to the reporting currency at the
    occurrence date with the FX rates known at the cut-off; NaN with a
    :class:`~oprisk.errors.DataQualityWarning` where no rate is known.
    """
    with uow.reading() as conn:
        pos = uow.position(as_of, conn)
        sel = (
            select(
                events.c.position, events.c.event_type, events.c.schema_version, events.c.payload
            )
            .where(events.c.stream_type == EXTERNAL_LOSS, events.c.position <= pos)
            .order_by(events.c.position)
        )
        rows = conn.execute(sel).all()
        fx = q.fx_at(conn, pos)
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        if r.event_type != ExternalLossRecorded.event_type:
            continue
        _, p = uow.store.upcasters.upcast(r.event_type, r.schema_version, r.payload)
        key = (p["source"], p["external_id"])
        revision = latest[key]["revision"] + 1 if key in latest else 1
        latest[key] = {**p, "revision": revision, "position": int(r.position)}
    stored = [
        c
        for c in COLUMNS
        if c not in ("amount_reporting", "size_indicator_stated", "threshold_stated")
    ]
    df = pd.DataFrame([latest[k] for k in sorted(latest)], columns=stored)
    df["occurred_on"] = pd.to_datetime(df["occurred_on"]).astype("datetime64[ns]")
    days = q.day_numbers(df["occurred_on"].to_numpy())
    tables = q.RateTables(fx)
    loss_rate = tables.rates(df["currency"].to_numpy(dtype=object), days, reporting_currency)
    ref_rate = tables.rates(
        df["reference_currency"].to_numpy(dtype=object), days, reporting_currency
    )
    df["size_indicator_stated"] = _floats(df["size_indicator"])
    df["threshold_stated"] = _floats(df["threshold"])
    df["amount"] = _floats(df["amount"])
    df["amount_reporting"] = df["amount"].to_numpy() * loss_rate
    df["size_indicator"] = df["size_indicator_stated"].to_numpy() * ref_rate
    df["threshold"] = df["threshold_stated"].to_numpy() * ref_rate
    unknown = sorted(
        set(df["currency"][np.isnan(loss_rate)]) | set(df["reference_currency"][np.isnan(ref_rate)])
    )
    if unknown:
        warnings.warn(
            f"no FX rate to {reporting_currency} at the occurrence date for external losses in "
            f"{', '.join(map(str, unknown))}: their reporting-currency figures are NaN",
            DataQualityWarning,
            stacklevel=3,
        )
    for c in ("institution", "description"):
        df[c] = df[c].fillna("") if c in df else ""
    df["revision"] = df["revision"].astype("int64")
    df["position"] = df["position"].astype("int64")
    return df[COLUMNS].reset_index(drop=True)


def _floats(col: pd.Series) -> np.ndarray:
    """Exact decimal strings (``None`` when not stated) as float64 (NaN), vectorised."""
    return pd.to_numeric(col.astype(object), errors="raise").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
