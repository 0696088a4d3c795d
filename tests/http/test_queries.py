"""Queries over HTTP: losses as known at a cut-off in JSON, CSV and Arrow IPC with stable paging,
filters, one event's history, capital, exports and verify; checked against the facade."""

from __future__ import annotations

import csv
import io
from datetime import date

import pyarrow as pa
from tests.http.conftest import Service


def _events(service: Service, n: int) -> list[str]:
    ids = []
    for i in range(n):
        bl = "BL3" if i % 2 == 0 else "BL4"
        ids.append(service.new_event(business_line=bl, title=f"event {i}"))
    return sorted(ids)


def test_json_pages_keep_the_first_pages_cut_off(service: Service) -> None:
    ids = _events(service, 5)
    r = service.call("ana", "GET", "/v1/loss-events?limit=2")
    assert r.status_code == 200
    page = r.json()
    assert [x["event_id"] for x in page["items"]] == ids[:2]
    assert page["items"][0]["gross_loss"] == 1000.0
    first_cutoff = page["as_of_position"]
    assert r.headers["x-knowledge-cutoff-position"] == str(first_cutoff) == str(service.facts())
    assert 'rel="next"' in r.headers["link"]
    service.new_event(title="reported after the first page")  # must not appear in later pages
    seen = [x["event_id"] for x in page["items"]]
    while page["next_cursor"]:
        page = service.call(
            "ana", "GET", f"/v1/loss-events?limit=2&cursor={page['next_cursor']}"
        ).json()
        assert page["as_of_position"] == first_cutoff
        seen += [x["event_id"] for x in page["items"]]
    assert seen == ids
    r = service.call("ana", "GET", "/v1/loss-events?cursor=not-a-cursor")
    assert r.status_code == 400 and r.json()["detail"].startswith("invalid value 'not-a-cursor'")


def test_filters_and_the_two_cut_offs(service: Service) -> None:
    ids = _events(service, 4)
    cut = service.facts()
    late = service.new_event(business_line="BL3")
    service.db.record_impact(
        late, actor="x", amount="500", currency="EUR", accounted_on=date(2026, 1, 5)
    )
    got = service.call("ana", "GET", "/v1/loss-events?business_line=Retail Banking").json()["items"]
    want = service.db.losses()
    want = want[want.business_line_l1 == "BL3"]
    assert sorted(x["event_id"] for x in got) == sorted(want.event_id)
    got = service.call("ana", "GET", f"/v1/loss-events?as_of={cut}&event_type=ET2").json()["items"]
    assert sorted(x["event_id"] for x in got) == ids
    got = service.call("ana", "GET", "/v1/loss-events?accounted_until=2025-12-31").json()["items"]
    assert {x["event_id"]: x["gross_loss"] for x in got}[late] == 1000.0
    got = service.call("ana", "GET", "/v1/loss-events?year=2026").json()["items"]
    assert got == []  # first accounted in 2025
    r = service.call("ana", "GET", "/v1/loss-events?business_line=BL99")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "business_line"


def test_csv_and_arrow_hold_the_same_rows_as_the_facade(service: Service) -> None:
    _events(service, 3)
    want = service.db.losses().sort_values("event_id")
    r = service.call("ana", "GET", "/v1/loss-events", headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["event_id"] for x in rows] == list(want.event_id)
    assert [float(x["net_loss"]) for x in rows] == list(want.net_loss)
    r = service.call("ana", "GET", "/v1/loss-events",
                     headers={"Accept": "application/vnd.apache.arrow.stream"})  # fmt: skip
    table = pa.ipc.open_stream(r.content).read_all()
    assert table.column("event_id").to_pylist() == list(want.event_id)
    assert table.column("gross_loss").to_pylist() == list(want.gross_loss)
    assert table.num_columns == want.shape[1]


def test_history_names_each_facts_actor(service: Service) -> None:
    event_id = service.new_event("alice", state="submitted")
    service.call("appr", "POST", f"/v1/loss-events/{event_id}/approve")
    r = service.call("aud", "GET", f"/v1/loss-events/{event_id}/history")
    versions = r.json()["versions"]
    assert [(v["version"], v["fact"], v["actor"]) for v in versions] == [
        (1, "loss_event.reported", "alice"),
        (2, "loss_event.impact_recorded", "alice"),
        (3, "loss_event.submitted", "alice"),
        (4, "loss_event.approved", "appr"),
    ]
    assert versions[0]["valid_to_position"] == versions[1]["valid_from_position"]
    assert versions[0]["valid_from_time"].endswith("+00:00")
    assert service.call("aud", "GET", "/v1/loss-events/NOPE:1/history").status_code == 404


def test_capital_is_the_facades_figure(service: Service) -> None:
    service.db.record_financials(
        [{"legal_entity": "Bank", "year": y, "item": "gross_income", "amount": a}
         for y, a in ((2023, "900"), (2024, "-100"), (2025, "1100"))],
        actor="setup",
    )  # fmt: skip
    r = service.call("ana", "GET", "/v1/capital/bia?year=2025")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == service.db.capital.bia(2025).to_dict()
    # BIA by hand: 15 % of the mean of the positive years (900 and 1100) = 150
    assert float(body["result"]["capital"]) == 150.0
    r = service.call("ana", "GET", "/v1/capital/sa?year=2025")
    assert r.status_code == 400 and "capital sa needs profile" in r.json()["detail"]
    r = service.call("ana", "GET", "/v1/capital/xyz?year=2025")
    assert r.status_code == 400


def test_exports_are_the_bytes_the_cli_writes(service: Service, tmp_path) -> None:
    _events(service, 3)
    r = service.call("ana", "GET", "/v1/exports/c17.01?period=2025&format=csv")
    assert r.status_code == 200, r.text
    out = tmp_path / "out"  # an export folder must be empty (the database file is here)
    result = service.db.reports.export("c17.01", "2025", None, "csv", out)
    assert r.content == (out / "c17.01.csv").read_bytes()
    assert r.headers["etag"] == f'"{result.files["c17.01.csv"]}"'
    again = service.call("ana", "GET", "/v1/exports/c17.01?period=2025&format=csv")
    assert again.content == r.content
    r = service.call("ana", "GET", "/v1/exports/c99?period=2025")
    assert r.status_code == 400 and "'template'" in r.json()["detail"]


def test_verify_reports_the_log(service: Service) -> None:
    _events(service, 2)
    body = service.call("aud", "GET", "/v1/verify").json()
    assert body["ok"] is True and body["problems"] == []
    assert body["events"] == service.facts()
