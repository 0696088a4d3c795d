"""Structured JSON logs: one line per request, one per denied request, each with the request id.

The request id is also written into the metadata of every fact the request appends, so a log line
and the facts it produced can be joined.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

LOGGER = "oprisk.http"
log = logging.getLogger(LOGGER)

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def configure(level: str = "info") -> None:
    """Send ``oprisk.http`` logs to stderr as JSON lines (the server's log, not the client's)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    log.handlers[:] = [handler]
    log.setLevel(level.upper())
    log.propagate = False


def denied(request_id: str, status: int, reason: str, **fields: Any) -> None:
    """Log a refused request (authentication, role, four eyes, rate limit)."""
    log.warning(
        "request denied",
        extra={"event": "denied", "request_id": request_id, "status": status, "reason": reason}
        | fields,
    )


def request_done(request_id: str, **fields: Any) -> None:
    log.info("request", extra={"event": "request", "request_id": request_id} | fields)
