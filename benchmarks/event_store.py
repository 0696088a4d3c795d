"""Event-store append benchmark: oprisk vs a bare SQLAlchemy insert vs the ``eventsourcing`` library.

What it measures (design.md §2, §8), on SQLite (a file in a temp dir) and PostgreSQL (a fresh
database per run, created and dropped here):

* **oprisk** — ``oprisk.api.connect(url)`` and ``Database.execute(commands)`` in batches of 1,000
  commands: decide → ``EventStore.append_batch`` (hash chain, idempotency, log-head lock) →
  ``Projector.apply`` (version rows and ledger lines) in one transaction. The facts are 25,000 loss
  events × (ReportLossEvent, RecordImpact, ReclassifyLossEvent, RecordRecovery) = 100,000 facts,
  with realistic payloads (titles, descriptions, dates, Decimal amounts). The timed loop includes
  building the pydantic commands from plain input records (a loader's work).
* **baseline (a)** — a bare SQLAlchemy Core ``executemany`` insert of the same rows (same columns,
  same payload / meta JSON, same hashes, pre-computed and untimed) into a table of the same shape
  (``oprisk.store.schema.events`` copied: same primary key, unique constraints and indexes, no
  triggers, no read models), one transaction per 1,000 rows, on an engine from
  ``oprisk.store.engine.make_engine`` (same SQLite pragmas; psycopg2 with insertmanyvalues on PG).
* **baseline (b)** — the ``eventsourcing`` library (9.x) with its ``eventsourcing.sqlite`` /
  ``eventsourcing.postgres`` persistence modules: a ``LossEvent`` aggregate with the same four events
  carrying the same fields, created from the same input records and saved 250 aggregates
  (1,000 events) per ``app.save(*aggregates)``.

Then it times ``db.losses(as_of=<mid position>)`` and ``db.losses()`` on oprisk's 100,000-fact
database (median of 5; target < 0.5 s).

Usage (from the repository root)::

    .venv/bin/python benchmarks/event_store.py                 # full run, ~4–6 minutes
    .venv/bin/python benchmarks/event_store.py --quick         # 20,000 facts, 1 repeat: a smoke test
    .venv/bin/python benchmarks/event_store.py --profile sqlite --facts 20000   # cProfile of our path

``OPRISK_BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) is the
maintenance database used to create and drop the throw-away databases; PostgreSQL is skipped with a
note when it is unreachable. Benchmark-only dependencies: ``benchmarks/requirements.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from oprisk.api import Database, connect
from oprisk.domain import commands as c
from oprisk.domain import events as e
from oprisk.domain.loss_event import decide, evolve, initial
from oprisk.store import migrate
from oprisk.store.engine import make_engine
from oprisk.store.eventstore import GENESIS, NO_STREAM, Append, NewEvent, chain_hash
from oprisk.store.schema import NAMING, events

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
FACTS_PER_EVENT = 4
BATCH_COMMANDS = 1000  # commands (= facts) per Database.execute call / per transaction

# --- the data set ------------------------------------------------------------------------------

ET_L2 = [
    "ET1.1",
    "ET1.2",
    "ET2.1",
    "ET2.2",
    "ET3.1",
    "ET3.2",
    "ET3.3",
    "ET4.1",
    "ET4.2",
    "ET4.3",
    "ET4.4",
    "ET4.5",
    "ET5.1",
    "ET6.1",
    "ET7.1",
    "ET7.2",
    "ET7.3",
    "ET7.4",
    "ET7.5",
    "ET7.6",
]
BL_L2 = [
    "BL11",
    "BL12",
    "BL13",
    "BL14",
    "BL21",
    "BL22",
    "BL23",
    "BL24",
    "BL31",
    "BL32",
    "BL33",
    "BL41",
    "BL51",
    "BL61",
    "BL62",
    "BL63",
    "BL71",
    "BL72",
    "BL81",
]
WHAT = [
    "Wire transfer sent to the wrong beneficiary",
    "Card skimming at ATM",
    "Unauthorised trade booked",
    "Mis-keyed FX settlement amount",
    "Phishing attack on corporate client",
    "Data-centre power outage",
    "Late regulatory report filing",
    "Mis-sold structured product complaint",
    "Vendor invoice paid twice",
    "Flooding in branch basement",
    "Payroll system batch failure",
    "Collateral documentation missing",
]
WHERE = [
    "Frankfurt branch",
    "London desk",
    "Paris operations",
    "Madrid retail network",
    "Milan back office",
    "Amsterdam custody",
    "Dublin payments hub",
    "Warsaw IT centre",
]
ENTITIES = ["Bank AG", "Bank UK plc", "Bank France SA", "Bank Iberia SA"]
CURRENCIES = ["EUR"] * 16 + ["USD"] * 3 + ["GBP"]
START = date(2021, 1, 1)


@dataclass(frozen=True)
class Record:
    """One loss event's four facts as plain input data (what a loader reads from a file)."""

    report: dict[str, Any]
    impact: dict[str, Any]
    reclass: dict[str, Any]
    recovery: dict[str, Any]


def dataset(n_events: int, seed: int = 20261129) -> list[Record]:
    rng = random.Random(seed)
    out = []
    for i in range(n_events):
        eid = f"LE-{i + 1:07d}"
        et = rng.choice(ET_L2)
        occurred = START + timedelta(days=rng.randrange(0, 3 * 365))
        discovered = occurred + timedelta(days=rng.randrange(0, 60))
        accounted = discovered + timedelta(days=rng.randrange(0, 45))
        cur = rng.choice(CURRENCIES)
        gross = Decimal(str(round(rng.lognormvariate(9.5, 1.8) + 1.0, 2))).quantize(Decimal("0.01"))
        what, where = rng.choice(WHAT), rng.choice(WHERE)
        report = dict(
            event_id=eid,
            actor=f"loader-{i % 7}",
            title=f"{what} — {where}",
            description=(
                f"{what} detected at {where} on {discovered.isoformat()}; incident "
                f"INC{1_000_000 + i} raised by first line, control owner informed."
            ),
            event_type=et,
            business_line=rng.choice(BL_L2),
            legal_entity=rng.choice(ENTITIES),
            org_unit=f"OU-{rng.randrange(100, 999)}",
            occurred_on=occurred,
            discovered_on=discovered,
            currency=cur,
            legal=rng.random() < 0.1,
            source="servicenow",
            external_id=f"INC{1_000_000 + i}",
        )
        impact = dict(
            event_id=eid,
            actor=f"finance-{i % 3}",
            amount=format(gross, "f"),
            currency=cur,
            accounted_on=accounted,
            kind="loss",
            note="GL 4711 write-off",
        )
        new_et = rng.choice([x for x in ET_L2 if x != et])
        reclass = dict(
            event_id=eid,
            actor="orm-reviewer",
            event_type=new_et,
            reason="root-cause analysis by the ORM function",
        )
        rec = (gross * Decimal(rng.randrange(5, 60)) / 100).quantize(Decimal("0.01"))
        recovery = dict(
            event_id=eid,
            actor=f"finance-{i % 3}",
            amount=format(rec, "f"),
            currency=cur,
            accounted_on=accounted + timedelta(days=rng.randrange(10, 120)),
            kind=rng.choice(["insurance", "other"]),
            received=True,
            note="insurer settlement",
        )
        out.append(Record(report, impact, reclass, recovery))
    return out


def commands_for(records: list[Record]) -> list[c.Command]:
    """The 4 commands per loss event, one event after the other (a loader's batch)."""
    out: list[c.Command] = []
    for r in records:
        out.append(c.ReportLossEvent(**r.report))
        out.append(c.RecordImpact(**r.impact))
        out.append(c.ReclassifyLossEvent(**r.reclass))
        out.append(c.RecordRecovery(**r.recovery))
    return out


def batches(records: list[Record], facts_per_batch: int = BATCH_COMMANDS) -> Iterator[list[Record]]:
    per = max(1, facts_per_batch // FACTS_PER_EVENT)
    for i in range(0, len(records), per):
        yield records[i : i + per]


# --- databases --------------------------------------------------------------------------------


class Backend:
    """Where a run happens: gives a fresh, empty database URL per run and cleans it up."""

    name: str

    @contextmanager
    def fresh(self) -> Iterator[str]:
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "SQLite"

    def __init__(self) -> None:
        self.root = tempfile.mkdtemp(prefix="oprisk-bench-")

    @contextmanager
    def fresh(self) -> Iterator[str]:
        d = tempfile.mkdtemp(dir=self.root)
        try:
            yield f"sqlite:///{d}/bench.db"
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class PostgresBackend(Backend):
    name = "PostgreSQL"

    def __init__(self, url: str) -> None:
        self.url = sa.engine.make_url(url)
        if self.url.drivername == "postgresql":
            self.url = self.url.set(drivername="postgresql+psycopg2")
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            self.server = conn.exec_driver_sql("SHOW server_version").scalar()

    @contextmanager
    def fresh(self) -> Iterator[str]:
        name = f"oprisk_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield self.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.admin.dispose()


# --- the three contenders ---------------------------------------------------------------------


@dataclass
class Timing:
    facts: int
    seconds: float
    cpu_client: float  # CPU seconds of this Python process (SQLite runs in it)
    cpu_server: float  # CPU seconds of the PostgreSQL backends serving the run (0 on SQLite)
    extra: dict[str, float]

    @property
    def rate(self) -> float:
        return self.facts / self.seconds

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds (client + server) per fact: a measure the machine's load disturbs less."""
        return 1000 * (self.cpu_client + self.cpu_server) / self.facts


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _pg_backends_cpu(dbname: str) -> float:
    """CPU seconds used so far by the local PostgreSQL backends connected to ``dbname`` (0 if not visible)."""
    total = 0.0
    needle = f" {dbname} ".encode()
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            if not cmd.startswith(b"postgres:") or needle not in cmd.replace(b"\0", b" "):
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / _TICK
        except (OSError, IndexError, ValueError):
            continue
    return total


class Clock:
    """Wall time, this process's CPU time and the PostgreSQL backends' CPU time of one timed section."""

    def __init__(self, url: str) -> None:
        u = sa.engine.make_url(url)
        self.db = str(u.database) if u.get_backend_name() == "postgresql" else None

    def __enter__(self) -> Clock:
        gc.collect()
        self.s0 = _pg_backends_cpu(self.db) if self.db else 0.0
        self.c0, self.t0 = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0
        self.cpu_client = time.process_time() - self.c0
        self.cpu_server = (_pg_backends_cpu(self.db) - self.s0) if self.db else 0.0

    def timing(self, facts: int, **extra: float) -> Timing:
        return Timing(facts, self.seconds, self.cpu_client, self.cpu_server, extra)


FX_SETUP = [("USD", Decimal("0.92")), ("GBP", Decimal("1.17"))]


def open_oprisk(url: str) -> Database:
    if url.startswith("postgresql"):
        eng = make_engine(url)
        migrate.upgrade(eng)
        eng.dispose()
    return connect(url)


def commands_phase(records: list[Record], phase: int) -> list[c.Command]:
    """Phase 1: report + impact; phase 2: reclassification + recovery (updates to existing streams)."""
    out: list[c.Command] = []
    for r in records:
        if phase == 1:
            out += [c.ReportLossEvent(**r.report), c.RecordImpact(**r.impact)]
        else:
            out += [c.ReclassifyLossEvent(**r.reclass), c.RecordRecovery(**r.recovery)]
    return out


def run_oprisk(
    url: str,
    records: list[Record],
    keep: Callable[[Database], None] | None = None,
    profile: cProfile.Profile | None = None,
    phased: bool = False,
) -> Timing:
    """Our path. ``phased``: first every event's report + impact, then every reclassification +
    recovery, so that half the facts go to streams written by an earlier transaction (stream reads,
    state replay and the version-row close UPDATE are exercised)."""
    db = open_oprisk(url)
    try:
        # Setup, untimed: monthly FX rates for the non-EUR currencies (not counted as facts).
        for cur, base in FX_SETUP:
            d = START
            while d < date(2024, 12, 31):
                db.record_fx_rate(cur, d, base, actor="treasury")
                d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        head0 = db.position()
        build = 0.0
        if phased:
            plan = [(chunk, ph) for ph in (1, 2) for chunk in batches(records, 2 * BATCH_COMMANDS)]
        else:
            plan = [(chunk, 0) for chunk in batches(records)]
        with Clock(url) as clock:
            if profile:
                profile.enable()
            for chunk, ph in plan:
                tb = time.perf_counter()
                cmds = commands_phase(chunk, ph) if ph else commands_for(chunk)
                build += time.perf_counter() - tb
                db.execute(cmds)
            if profile:
                profile.disable()
        n = db.position() - head0
        assert n == len(records) * FACTS_PER_EVENT, (n, len(records))
        if keep:
            keep(db)
        return clock.timing(n, build_s=build)
    finally:
        db.close()


def baseline_rows(records: list[Record]) -> list[dict[str, Any]]:
    """The rows our store writes for these records (same payloads, meta, hashes), built untimed."""
    rows: list[dict[str, Any]] = []
    now = datetime.now(UTC)
    pos = 0
    log_prev = GENESIS
    for chunk in batches(records):
        corr = str(uuid.uuid4())
        for cmd_group in _grouped(commands_for(chunk)):
            s, prev, version = initial(cmd_group[0].event_id), GENESIS, 0
            for cmd in cmd_group:
                for f in decide(cmd, s):
                    s = evolve(s, f)
                    pos += 1
                    version += 1
                    row = {
                        "position": pos,
                        "stream_id": cmd.event_id,
                        "stream_type": "loss_event",
                        "version": version,
                        "event_type": f.event_type,
                        "schema_version": f.schema_version,
                        "payload": f.payload(),
                        "meta": {
                            "actor": cmd.actor,
                            "command": type(cmd).__name__,
                            "correlation_id": corr,
                        },
                        "idempotency_key": None,
                        "recorded_at": now,
                        "prev_hash": prev,
                    }
                    row["hash"] = prev = chain_hash(prev, row, log_prev)
                    log_prev = prev
                    rows.append(row)
    return rows


def fact_fields(r: Record) -> tuple[dict[str, Any], ...]:
    """The fields of one record's four facts (what ``decide`` would give): the same for the
    store-only contender and for (b), built inside their timed loops."""
    p, im, rc, rv = r.report, r.impact, r.reclass, r.recovery
    report = dict(
        event_id=p["event_id"],
        title=p["title"],
        description=p["description"],
        event_type=p["event_type"],
        cause="process",
        business_line=p["business_line"],
        legal_entity=p["legal_entity"],
        org_unit=p["org_unit"],
        occurred_on=p["occurred_on"],
        discovered_on=p["discovered_on"],
        currency=p["currency"],
        legal=p["legal"],
        source=p["source"],
        external_id=p["external_id"],
        reported_by=p["actor"],
    )
    impact = dict(
        line_id="L2",
        kind=im["kind"],
        amount=Decimal(im["amount"]),
        currency=im["currency"],
        accounted_on=im["accounted_on"],
        note=im["note"],
    )
    reclass = dict(
        event_type=rc["event_type"],
        cause="process",
        business_line=p["business_line"],
        previous_event_type=p["event_type"],
        previous_cause="process",
        previous_business_line=p["business_line"],
        reason=rc["reason"],
    )
    recovery = dict(
        line_id="L4",
        kind=rv["kind"],
        amount=Decimal(rv["amount"]),
        currency=rv["currency"],
        accounted_on=rv["accounted_on"],
        received=rv["received"],
        note=rv["note"],
    )
    return report, impact, reclass, recovery


def facts_for(r: Record) -> list[e.Fact]:
    """The four facts of one record, built directly, for the store-only contender."""
    report, impact, reclass, recovery = fact_fields(r)
    return [
        e.LossEventReported(**report),
        e.ImpactRecorded(**impact),
        e.LossEventReclassified(**reclass),
        e.RecoveryRecorded(**recovery),
    ]


def run_store(url: str, records: list[Record]) -> Timing:
    """The event store alone, as (b) is: facts built from the input records (no commands, no
    ``decide``), appended with ``EventStore.append_batch`` (log-head lock, expected versions,
    idempotency check, hash chain) in one transaction per 1,000 facts, without read models."""
    db = open_oprisk(url)
    try:
        head0 = db.position()
        with Clock(url) as clock:
            for chunk in batches(records):
                corr = str(uuid.uuid4())
                appends = [
                    Append(
                        r.report["event_id"],
                        "loss_event",
                        [
                            NewEvent(f.event_type, f.payload(), f.schema_version, meta)
                            for f in facts_for(r)
                        ],
                        NO_STREAM,
                    )
                    for r in chunk
                    for meta in ({"actor": r.report["actor"], "correlation_id": corr},)
                ]
                with db.writing() as conn:
                    db.store.append_batch(conn, appends)
        n = db.position() - head0
        assert n == len(records) * FACTS_PER_EVENT, n
        return clock.timing(n)
    finally:
        db.close()


def _grouped(cmds: list[c.Command]) -> Iterator[list[c.Command]]:
    for i in range(0, len(cmds), FACTS_PER_EVENT):
        yield cmds[i : i + FACTS_PER_EVENT]


def run_bare(url: str, rows: list[dict[str, Any]]) -> Timing:
    eng = make_engine(url)
    try:
        md = sa.MetaData(naming_convention=NAMING)
        table = events.to_metadata(md)
        md.create_all(eng)
        ins = sa.insert(table)
        with Clock(url) as clock:
            for i in range(0, len(rows), BATCH_COMMANDS):
                with eng.connect().execution_options(oprisk_write=True) as conn, conn.begin():
                    conn.execute(ins, rows[i : i + BATCH_COMMANDS])
        with eng.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        assert n == len(rows), n
        return clock.timing(n)
    finally:
        eng.dispose()


_ES: tuple[type, type] | None = None


def _es_classes() -> tuple[type, type]:
    """The eventsourcing aggregate and application (imported lazily: benchmark-only dependency)."""
    global _ES
    if _ES is None:
        _ES = _define_es_classes()
    return _ES


def _define_es_classes() -> tuple[type, type]:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event
    from eventsourcing.persistence import Transcoding

    class DateAsISO(Transcoding):
        type = date
        name = "date_iso"

        def encode(self, obj: date) -> str:
            return obj.isoformat()

        def decode(self, data: str) -> date:
            return date.fromisoformat(data)

    class LossEvent(Aggregate):
        @event("Reported")
        def __init__(
            self,
            event_id: str,
            title: str,
            description: str,
            event_type: str,
            cause: str,
            business_line: str,
            legal_entity: str,
            org_unit: str,
            occurred_on: date,
            discovered_on: date,
            currency: str,
            legal: bool,
            source: str,
            external_id: str,
            reported_by: str,
        ) -> None:
            self.event_id, self.title, self.event_type, self.cause = (
                event_id,
                title,
                event_type,
                cause,
            )
            self.business_line, self.currency = business_line, currency
            self.gross_loss = Decimal(0)
            self.recoveries = Decimal(0)

        @event("ImpactRecorded")
        def record_impact(
            self,
            line_id: str,
            kind: str,
            amount: Decimal,
            currency: str,
            accounted_on: date,
            note: str,
        ) -> None:
            self.gross_loss += amount

        @event("Reclassified")
        def reclassify(
            self,
            event_type: str,
            cause: str,
            business_line: str,
            previous_event_type: str,
            previous_cause: str,
            previous_business_line: str,
            reason: str,
        ) -> None:
            self.event_type, self.cause, self.business_line = event_type, cause, business_line

        @event("RecoveryRecorded")
        def record_recovery(
            self,
            line_id: str,
            kind: str,
            amount: Decimal,
            currency: str,
            accounted_on: date,
            received: bool,
            note: str,
        ) -> None:
            self.recoveries += amount

    class LossEvents(Application):
        def register_transcodings(self, transcoder: Any) -> None:
            super().register_transcodings(transcoder)
            transcoder.register(DateAsISO())

    return LossEvent, LossEvents


def es_env(url: str) -> dict[str, str]:
    u = sa.engine.make_url(url)
    if u.get_backend_name() == "sqlite":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(u.database)}
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(u.database),
        "POSTGRES_HOST": u.host or "127.0.0.1",
        "POSTGRES_PORT": str(u.port or 5432),
        "POSTGRES_USER": u.username or "postgres",
        "POSTGRES_PASSWORD": u.password or "",
    }


def run_eventsourcing(url: str, records: list[Record]) -> Timing:
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning, module="eventsourcing")
    LossEvent, LossEvents = _es_classes()
    app = LossEvents(env=es_env(url))
    try:
        clock = Clock(url).__enter__()
        for chunk in batches(records):
            aggs = []
            for r in chunk:
                report, impact, reclass, recovery = fact_fields(r)
                a = LossEvent(**report)
                a.record_impact(**impact)
                a.reclassify(**reclass)
                a.record_recovery(**recovery)
                aggs.append(a)
            app.save(*aggs)
        clock.__exit__()
        n = app.recorder.max_notification_id()
        assert n == len(records) * FACTS_PER_EVENT, n
        return clock.timing(n)
    finally:
        app.close()


# --- the run ----------------------------------------------------------------------------------


def median_rate(runs: list[Timing]) -> float:
    return statistics.median(t.rate for t in runs)


def median_cpu(runs: list[Timing]) -> float:
    return statistics.median(t.cpu_ms for t in runs)


def time_queries(db: Database, repeats: int = 5, slow: float = 5.0) -> dict[str, Any]:
    """Median time of ``db.losses(as_of=mid)`` and ``db.losses()`` (3 repeats if one takes > ``slow`` s)."""
    head = db.position()
    mid = head // 2
    out: dict[str, Any] = {}
    for label, kw in ((f"losses(as_of={mid})", {"as_of": mid}), ("losses()", {})):
        ts: list[float] = []
        rows = 0
        while len(ts) < (repeats if not ts or ts[0] <= slow else 3):
            t0 = time.perf_counter()
            rows = len(db.losses(**kw))
            ts.append(time.perf_counter() - t0)
        out[label] = {"median": statistics.median(ts), "rows": rows, "n": len(ts)}
    return out


CONTENDERS = ("oprisk", "bare", "eventsourcing", "store")


def bench_backend(
    be: Backend,
    records: list[Record],
    repeat_records: list[Record],
    repeats: int,
    phased: bool,
    log: Callable[[str], None],
) -> dict[str, Any]:
    res: dict[str, Any] = {"name": be.name}
    rows = baseline_rows(records)
    rep_rows = rows[: len(repeat_records) * FACTS_PER_EVENT]
    queries: dict[str, Any] = {}

    def keep(db: Database) -> None:
        log(f"  {be.name:<10} timing db.losses() on the {db.position():,}-position database …")
        queries.update(time_queries(db))

    def run(
        key: str, url: str, recs: list[Record], rws: list[dict[str, Any]], first: bool
    ) -> Timing:
        if key == "oprisk":
            return run_oprisk(url, recs, keep if first else None)
        if key == "bare":
            return run_bare(url, rws)
        if key == "phased":
            return run_oprisk(url, recs, phased=True)
        if key == "store":
            return run_store(url, recs)
        return run_eventsourcing(url, recs)

    def show(key: str, i: int, t: Timing) -> None:
        log(
            f"  {be.name:<10} {key:<13} run {i + 1}: {t.facts:>7,} facts in {t.seconds:6.2f} s "
            f"= {t.rate:>8,.0f} facts/s; CPU {t.cpu_client:6.2f} s client + {t.cpu_server:6.2f} s server"
        )

    for key in (*CONTENDERS, "phased"):
        res[key] = []
    # Interleave the contenders run by run, so that a noisy neighbour hurts all of them alike.
    for i in range(repeats):
        full = i == 0 or len(repeat_records) == len(records)
        recs, rws = (records, rows) if full else (repeat_records, rep_rows)
        for key in CONTENDERS:
            with be.fresh() as url:
                t = run(key, url, recs, rws, i == 0)
            res[key].append(t)
            show(key, i, t)
    if phased:
        with be.fresh() as url:
            t = run("phased", url, records, rows, False)
        res["phased"].append(t)
        show("phased", 0, t)
    res["queries"] = queries
    return res


def _ok(ok: bool) -> str:
    return "✅" if ok else "❌"


def markdown(results: list[dict[str, Any]], notes: list[str], args: argparse.Namespace) -> str:
    out = []
    out.append(
        f"{args.facts:,} loss-event facts ({args.facts // FACTS_PER_EVENT:,} loss events × "
        f"report + impact + reclassification + recovery), {BATCH_COMMANDS:,} facts per transaction; "
        f"{args.repeats} run(s) per contender and database (run 1 with {args.facts:,} facts"
        + (
            f", runs 2+ with {args.repeat_facts:,}"
            if args.repeat_facts < args.facts and args.repeats > 1
            else ""
        )
        + "), contenders interleaved; medians.\n"
    )
    out.append(
        "| database | oprisk: execute + read models | (a) bare SQLAlchemy executemany | (b) eventsourcing 9 "
        "| ours / (a) (target ≥ 0.40) | ours / (b) (target ≥ 1.00) |"
    )
    out.append("|---|---:|---:|---:|---:|---:|")
    for r in results:
        o, a, b = (median_rate(r[k]) for k in CONTENDERS[:3])
        out.append(
            f"| {r['name']} | {o:,.0f} facts/s | {a:,.0f} facts/s | {b:,.0f} facts/s | "
            f"{o / a:.2f}× {_ok(o / a >= 0.4)} | {o / b:.2f}× {_ok(o / b >= 1.0)} |"
        )
    out.append("")
    out.append(
        "CPU per fact (this process + the PostgreSQL backends serving it; less disturbed by the "
        "machine's load than wall time), and the same ratios computed from it:\n"
    )
    out.append("| database | oprisk | (a) bare | (b) eventsourcing | ours / (a) | ours / (b) |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for r in results:
        o, a, b = (median_cpu(r[k]) for k in CONTENDERS[:3])
        out.append(
            f"| {r['name']} | {o:.3f} ms | {a:.3f} ms | {b:.3f} ms | {a / o:.2f}× | {b / o:.2f}× |"
        )
    out.append("")
    out.append(
        "The event store alone (facts built from the records and appended with "
        "`EventStore.append_batch`: log-head lock, expected versions, idempotency check, hash "
        "chain; no commands, no `decide`, no read models), which is what (b) does:\n"
    )
    out.append(
        "| database | oprisk store only | (b) eventsourcing 9 | store / (b) | CPU per fact, store / (b) |"
    )
    out.append("|---|---:|---:|---:|---:|")
    for r in results:
        st, b = median_rate(r["store"]), median_rate(r["eventsourcing"])
        out.append(
            f"| {r['name']} | {st:,.0f} facts/s | {b:,.0f} facts/s | {st / b:.2f}× | "
            f"{median_cpu(r['store']):.3f} / {median_cpu(r['eventsourcing']):.3f} ms |"
        )
    out.append("")
    out.append(f"Headline runs (run 1, {args.facts:,} facts), whole load:\n")
    out.append("| database | contender | wall | facts/s | client CPU | server CPU |")
    out.append("|---|---|---:|---:|---:|---:|")
    for r in results:
        for key, label in (
            ("oprisk", "oprisk"),
            ("phased", "oprisk, 2 phases (updates to existing streams)"),
            ("bare", "(a) bare executemany"),
            ("eventsourcing", "(b) eventsourcing"),
            ("store", "oprisk store only (no read models)"),
        ):
            if not r[key]:
                continue
            t = r[key][0]
            build = (
                f" (building commands {t.extra['build_s']:.1f} s)" if "build_s" in t.extra else ""
            )
            out.append(
                f"| {r['name']} | {label} | {t.seconds:.1f} s{build} | {t.rate:,.0f} | "
                f"{t.cpu_client:.1f} s | {t.cpu_server:.1f} s |"
            )
    out.append("")
    out.append(f"As-of queries on oprisk's {args.facts:,}-fact database (target < 0.5 s):\n")
    out.append("| database | query | rows | median | runs | target |")
    out.append("|---|---|---:|---:|---:|---:|")
    for r in results:
        for label, q in r["queries"].items():
            out.append(
                f"| {r['name']} | `db.{label}` | {q['rows']:,} | {q['median']:.2f} s | {q['n']} | "
                f"< 0.5 s {_ok(q['median'] < 0.5)} |"
            )
    out.append("")
    out.extend(notes)
    return "\n".join(out)


def profile_ours(kind: str, records: list[Record], pg_url: str, top: int) -> None:
    be: Backend = SqliteBackend() if kind == "sqlite" else PostgresBackend(pg_url)
    prof = cProfile.Profile()
    try:
        with be.fresh() as url:
            t = run_oprisk(url, records, profile=prof)
    finally:
        be.close()
    print(
        f"{be.name}: {t.facts:,} facts in {t.seconds:.2f} s = {t.rate:,.0f} facts/s (under cProfile); "
        f"CPU {t.cpu_client:.2f} s client + {t.cpu_server:.2f} s server\n"
    )
    for key in ("tottime", "cumulative"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats(key).print_stats(top)
        print(s.getvalue())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--facts", type=int, default=100_000, help="facts in the headline run (multiple of 4)"
    )
    ap.add_argument(
        "--repeat-facts", type=int, default=100_000, help="facts in runs 2+ (to shorten repeats)"
    )
    ap.add_argument(
        "--repeats", type=int, default=3, help="runs per contender and database (median)"
    )
    ap.add_argument("--quick", action="store_true", help="20,000 facts, one run: a smoke test")
    ap.add_argument("--no-phased", action="store_true", help="skip the two-phase oprisk run")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument(
        "--profile", choices=["sqlite", "postgresql"], help="cProfile our append path and exit"
    )
    ap.add_argument("--top", type=int, default=35, help="rows of profile output")
    args = ap.parse_args(argv)
    if args.quick:
        args.facts, args.repeat_facts, args.repeats = 20_000, 20_000, 1
    args.repeat_facts = min(args.repeat_facts, args.facts)
    pg_url = os.environ.get("OPRISK_BENCH_POSTGRES_URL", DEFAULT_PG)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    records = dataset(args.facts // FACTS_PER_EVENT)
    if args.profile:
        profile_ours(args.profile, records, pg_url, args.top)
        return 0
    repeat_records = records[: args.repeat_facts // FACTS_PER_EVENT]

    from importlib.metadata import PackageNotFoundError, version

    try:
        versions = {p: version(p) for p in ("eventsourcing", "psycopg", "psycopg2-binary")}
    except PackageNotFoundError as err:
        print(
            f"missing benchmark dependency {err}: pip install -r benchmarks/requirements.txt",
            file=sys.stderr,
        )
        return 2
    notes = [
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, eventsourcing {versions['eventsourcing']}, "
        f"psycopg2 {versions['psycopg2-binary']}, psycopg {versions['psycopg']}. "
        f"Run at {datetime.now(UTC).isoformat(timespec='seconds')}."
    ]
    try:
        import subprocess

        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        notes.append(
            f"Code measured: commit {head}"
            + (" with uncommitted changes in src/." if dirty else ".")
        )
    except (OSError, subprocess.SubprocessError):
        pass
    results = []
    load0 = os.getloadavg()[0]
    t_start = time.perf_counter()
    backends: list[Backend] = []
    if not args.no_sqlite:
        backends.append(SqliteBackend())
    if not args.no_postgres:
        try:
            backends.append(PostgresBackend(pg_url))
            notes.append(
                f"PostgreSQL {backends[-1].server} at {sa.engine.make_url(pg_url).render_as_string()}."
            )
        except Exception as err:
            notes.append(
                f"PostgreSQL skipped: {pg_url} unreachable ({type(err).__name__}: {str(err).splitlines()[0]})."
            )
            log(notes[-1])
    for be in backends:
        try:
            results.append(
                bench_backend(be, records, repeat_records, args.repeats, not args.no_phased, log)
            )
        finally:
            be.close()
    notes.append(
        f"Wall time of the benchmark: {time.perf_counter() - t_start:.0f} s. Load average "
        f"(1 min) at start {load0:.1f}, at end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: "
        "the machine is shared, so compare the ratios (contenders are interleaved run by run) "
        "more than the absolute rates."
    )
    print(markdown(results, notes, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
