"""The planner's statistics of the tables a load grows (PostgreSQL; issue 19).

A load's per-batch reads are key lookups (``stream_id IN (…)``, the open version rows of the
batch's events). On a table PostgreSQL has no statistics for (autovacuum off, or not yet run) the
planner takes such a lookup for a large share of the table and reads it whole, so a load grows
with the square of the data. :class:`Statistics` refreshes them (``oprisk_analyze()``, migration
0005, which runs ``ANALYZE`` as the tables' owner) whenever the log has doubled since the
statistics the planner has: a few times per load (at ``first`` facts, then twice that, …), each a
sample of constant size, so the load stays linear whatever the server's settings. On SQLite, whose
planner picks these indexes without statistics, it does nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

__all__ = ["Statistics"]

#: the log size from which a load without statistics gathers them
FIRST = 20_000


class Statistics:
    """Refreshes the statistics of the tables a load grows when the log has doubled since them."""

    def __init__(self, first: int | None = None) -> None:
        self.first = FIRST if first is None else first
        self._next: int | None = None  # the log size at which to refresh next
        self.refreshed = 0

    def grown(self, conn: Connection, facts: int) -> bool:
        """Called in a batch's write transaction once the log holds ``facts`` facts: refresh the
        statistics when they are missing or describe less than half of it. True if refreshed."""
        if conn.dialect.name != "postgresql":
            return False
        if self._next is None:
            known = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('events')")
            ).scalar()
            self._next = max(self.first, 2 * int(known or 0))
        if facts < self._next:
            return False
        if conn.execute(text("SELECT to_regproc('oprisk_analyze')")).scalar() is not None:
            conn.execute(text("SELECT oprisk_analyze()"))
        else:  # a schema before migration 0005: as the owner this works, else PostgreSQL skips
            for table in ("events", "loss_event_versions", "ledger_lines"):
                conn.execute(text(f"ANALYZE {table}"))
        self._next = 2 * facts
        self.refreshed += 1
        return True
