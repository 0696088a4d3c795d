"""The queries: loss events as known at a cut-off (JSON, CSV, Arrow IPC), one event and its
history, capital, regulatory exports and the integrity check."""

from __future__ import annotations

import base64
import binascii
import tempfile
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import orjson
import pandas as pd
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from oprisk.api import Database
from oprisk.domain.taxonomy import business_line as bl_lookup
from oprisk.domain.taxonomy import event_type as et_lookup
from oprisk.errors import ConfigurationError, invalid
from oprisk.http.auth import Guard
from oprisk.http.idempotent import etag

ARROW = "application/vnd.apache.arrow.stream"
EVENT = "/v1/loss-events/{event_id:path}"


def as_of_value(value: str | None) -> int | str | None:
    """A knowledge cut-off from a query string: digits are a log position, else ISO date/time."""
    if value is None or value == "":
        return None
    return int(value) if value.isdigit() else value


def _default(v: Any) -> Any:
    if v is pd.NaT:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)  # Decimal and anything else exact as text


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=orjson.OPT_SERIALIZE_NUMPY)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: positions as integers, timestamps in UTC, missing as null."""
    df = df.copy()
    for col in df.columns:
        if col.endswith("_position") and df[col].dtype.kind == "f":
            df[col] = df[col].astype("Int64")
        elif df[col].dtype.kind == "M" and getattr(df[col].dt, "tz", None) is None:
            df[col] = df[col].dt.tz_localize("UTC")
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(obj), status_code=status, media_type="application/json", headers=headers)


def negotiate(request: Request) -> str:
    accept = request.headers.get("accept", "")
    if "text/csv" in accept:
        return "csv"
    if "application/vnd.apache.arrow" in accept:
        return "arrow"
    return "json"


def _cursor(position: int, after: str) -> str:
    raw = orjson.dumps({"p": position, "a": after})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[int, str]:
    try:
        d = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return int(d["p"]), str(d["a"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise ConfigurationError(
            invalid("cursor", cursor, "must be a next_cursor this API returned")
        ) from None


def _filter(df: pd.DataFrame, year: int | None, bl: str | None, et: str | None) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index)
    if year is not None:
        accounted = pd.to_datetime(df["first_accounted_on"], errors="coerce")
        keep &= accounted.dt.year == year
    if bl:
        code = bl_lookup(bl).code
        keep &= (df["business_line"].astype(str) == code) | (
            df["business_line_l1"].astype(str) == code
        )
    if et:
        code = et_lookup(et).code
        keep &= (df["event_type"].astype(str) == code) | (df["event_type_l1"].astype(str) == code)
    return df[keep]


def state_dict(s: Any) -> dict[str, Any]:
    d = {k: v for k, v in s.__dict__.items() if k != "lines"}
    d["net_loss"] = s.net_loss
    d["lines"] = [{"line_id": k, **line.__dict__} for k, line in s.lines.items()]
    return d


def router(db: Database, guard: Guard) -> APIRouter:
    r = APIRouter(tags=["queries"])

    @r.get("/v1/loss-events", dependencies=[guard.need("list")])
    def list_events(
        request: Request,
        as_of: str | None = Query(None, description="knowledge cut-off: ISO date/time or position"),
        accounted_until: str | None = Query(None, description="business cut-off (YYYY-MM-DD)"),
        year: int | None = Query(None, description="year of the first accounting date"),
        business_line: str | None = Query(None, description="code or label, level 1 or 2"),
        event_type: str | None = Query(None, description="code or label, level 1 or 2"),
        cursor: str | None = Query(None, description="next_cursor of the previous page"),
        limit: int = Query(100, ge=1, le=1000),
    ) -> Response:
        """Loss events as known at ``as_of`` with amounts accounted up to ``accounted_until``,
        ordered by id; JSON (default), CSV (``Accept: text/csv``) or Arrow IPC
        (``Accept: application/vnd.apache.arrow.stream``). The cursor keeps the first page's
        knowledge cut-off, so pages never mix two states of the log."""
        guard.confirm(request)
        after = None
        position = db.position(as_of_value(as_of))
        if cursor:
            position, after = _read_cursor(cursor)
        df = db.losses(as_of=position, accounted_until=accounted_until)
        df = _filter(df, year, business_line, event_type).sort_values("event_id", kind="stable")
        if after is not None:
            df = df[df["event_id"].astype(str) > after]
        page, more = df.iloc[:limit], len(df) > limit
        nxt = _cursor(position, str(page["event_id"].iloc[-1])) if more else None
        headers = {"X-Knowledge-Cutoff-Position": str(position)}
        if nxt:
            query = {k: v for k, v in request.query_params.items() if k != "cursor"}
            headers["Link"] = f'</v1/loss-events?{urlencode({**query, "cursor": nxt})}>; rel="next"'
        fmt = negotiate(request)
        if fmt == "csv":
            return Response(page.to_csv(index=False), media_type="text/csv", headers=headers)
        if fmt == "arrow":
            import pyarrow as pa

            table = pa.Table.from_pandas(page, preserve_index=False)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return Response(sink.getvalue().to_pybytes(), media_type=ARROW, headers=headers)
        body = {"as_of_position": position, "items": records(page), "next_cursor": nxt}
        return json_response(body, headers=headers)

    @r.get(EVENT + "/history", dependencies=[guard.need("history")])
    def history(request: Request, event_id: str) -> Response:
        """Every version of the event: the fact that made it, its actor, position and time."""
        guard.confirm(request)
        df = db.history(event_id)
        return json_response({"event_id": event_id, "versions": records(df)})

    @r.get(EVENT, dependencies=[guard.need("read")])
    def get_event(request: Request, event_id: str, as_of: str | None = None) -> Response:
        """The event's state (as known at ``as_of``); ``ETag`` is its version."""
        guard.confirm(request)
        s = db.state(event_id, as_of_value(as_of))
        tag = etag(s.version)
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        return json_response(state_dict(s), headers={"ETag": tag})

    @r.get("/v1/capital/{approach}", dependencies=[guard.need("capital")])
    def capital(
        request: Request,
        approach: Literal["bia", "tsa", "asa", "sa"],
        year: int,
        as_of: str | None = None,
        profile: str | None = None,
        legal_entity: str | None = None,
        threshold: str | None = Query(None, description="sa: loss threshold, 20000 or 100000"),
    ) -> Response:
        """A capital charge as known at ``as_of``: every intermediate figure, cut-off, profile."""
        guard.confirm(request)
        kw: dict[str, Any] = {"as_of": as_of_value(as_of), "legal_entity": legal_entity}
        if approach == "sa":
            if profile is None:
                from oprisk.capital import PROFILES

                raise ConfigurationError(
                    f"capital sa needs profile (the jurisdiction decides the ILM): one of {', '.join(PROFILES)}"
                )
            if threshold is None:
                raise ConfigurationError("capital sa needs threshold: 20000 or 100000")
            kw.update(profile=profile, threshold=threshold)
        elif profile is not None:
            kw["profile"] = profile
        run = getattr(db.capital, approach)(year, **kw)
        return json_response(run.to_dict())

    @r.get("/v1/exports/{template}", dependencies=[guard.need("exports")])
    def export(
        request: Request,
        template: str,
        period: str = Query(description="2025 (calendar year) or 2025-H1"),
        as_of: str | None = None,
        format: Literal["csv", "json", "xlsx"] = "json",
        threshold: str | None = None,
        large_loss: str | None = None,
        include_credit_boundary: bool = False,
        approach: Literal["bia", "tsa", "asa"] | None = None,
        profile: str | None = None,
        sa_threshold: str | None = None,
        legal_entity: str | None = None,
    ) -> Response:
        """One template (``all`` with ``format=xlsx``) as the CLI's export writes it; ``ETag`` is
        the SHA-256 of the bytes, identical for the same cut-off and parameters."""
        guard.confirm(request)
        if template == "all" and format != "xlsx":
            raise ConfigurationError(invalid("template", template, "all needs format=xlsx"))
        given: dict[str, Any] = {
            "threshold": threshold,
            "large_loss": large_loss,
            "include_credit_boundary": include_credit_boundary or None,
            "approach": approach,
            "profile": profile,
            "sa_threshold": sa_threshold,
            "legal_entity": legal_entity,
        }
        with tempfile.TemporaryDirectory(prefix="oprisk-export-") as tmp:
            result = db.reports.export(
                template, period, as_of_value(as_of), format, tmp,
                **{k: v for k, v in given.items() if v is not None},
            )  # fmt: skip
            (name, digest), *_ = result.files.items()
            data = (Path(tmp) / name).read_bytes()
        media = {
            "csv": "text/csv",
            "json": "application/json",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }[format]
        cut = result.manifest["knowledge_cutoff"]
        headers = {
            "ETag": f'"{digest}"',
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Knowledge-Cutoff-Position": str(cut["position"]),
        }
        return Response(data, media_type=media, headers=headers)

    @r.get("/v1/verify", dependencies=[guard.need("verify")])
    def verify(request: Request) -> Response:
        """Re-walk every hash chain and compare the read models with a rebuild."""
        guard.confirm(request)
        report = db.verify()
        return json_response(
            {
                "ok": report.ok,
                "events": report.events,
                "streams": report.streams,
                "problems": [p.__dict__ for p in report.problems],
                "summary": str(report),
            }
        )

    return r
