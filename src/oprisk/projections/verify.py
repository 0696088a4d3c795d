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

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from oprisk.errors import ConfigurationError
from oprisk.progress import ProgressOption
from oprisk.progress import progress as progress_of
from oprisk.projections import parallel
from oprisk.projections.compare import StreamRange, compare_read_models, orphans
from oprisk.store.chain import Problem, head_problems, stream_link_problems, walk
from oprisk.store.checkpoint import Checkpoint, disagreements
from oprisk.store.eventstore import EventStore
from oprisk.store.schema import events

__all__ = ["Problem", "StreamRange", "VerifyReport", "compare_read_models", "verify"]


@dataclass(frozen=True)
class VerifyReport:
    events: int
    streams: int
    problems: list[Problem] = field(default_factory=list)
    checkpoints: tuple[Checkpoint, ...] = ()
    stream_range: StreamRange | None = None  # the read models of these streams only

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
            which = f" of streams {self.stream_range}" if self.stream_range else ""
            return (
                head + "every hash chain intact" + signed + f", read models{which} match a rebuild"
            )
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
    *,
    batch_facts: int = 10_000,
    streams: StreamRange | None = None,
    jobs: int = 1,
    progress: ProgressOption = False,
) -> VerifyReport:
    """Check the log (and against ``checkpoints``, whose signatures the caller has checked) and
    the read models. ``conn`` should be one snapshot (a read transaction).

    The chains and checkpoints are always checked over the whole log; ``streams`` limits only
    the read-model comparison, done ``batch_facts`` facts at a time (memory is bounded by the
    batch, not the log). With ``jobs`` > 1 (PostgreSQL) the read models are compared by that many
    processes in the same snapshot while this one walks the chains."""
    if jobs < 1:
        raise ConfigurationError(f"invalid value {jobs!r} for 'jobs': must be ≥ 1")
    if jobs > 1 and conn.dialect.name != "postgresql":
        raise ConfigurationError(
            f"invalid value {jobs!r} for 'jobs': parallel checks need PostgreSQL (SQLite cannot "
            "share one snapshot between connections)"
        )
    rng = streams or StreamRange()
    pool, running = (
        parallel.start(conn, jobs, rng.first, rng.last, batch_facts, limit)
        if jobs > 1
        else (None, [])
    )
    try:
        want = {p for cp in checkpoints for p, _ in cp.anchors}
        total = store.head(conn)
        with progress_of(progress, total=total, desc="verify: hash chains", unit="facts") as bar:
            w = walk(conn, want, limit, counted=bar.update)
        problems = w.problems + stream_link_problems(conn, limit) + head_problems(conn, w)
        problems += disagreements(w, checkpoints)
        if pool is None:
            problems += compare_read_models(
                conn, store, limit, batch_facts=batch_facts, streams=streams, progress=progress
            )
        else:
            with progress_of(
                progress, total=total, desc="verify: read models", unit="facts"
            ) as bar:
                found: list[Problem] = []
                for future in running:  # in range order: problems come as one process finds them
                    part, n = future.result()
                    found += part
                    bar.update(n)
            if rng.first is None and rng.last is None:
                found += orphans(conn, limit)
            problems += found[:limit]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    n = conn.execute(select(func.count(func.distinct(events.c.stream_id)))).scalar_one()
    return VerifyReport(w.facts, int(n), problems[: limit * 2], tuple(checkpoints), streams)
