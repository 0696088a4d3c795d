"""``POST /v1/loads``: the loader over HTTP, its report and rejects; retries append nothing."""

from __future__ import annotations

from tests.http.conftest import Service

HEAD = "external_id,title,event_type,business_line,legal_entity,occurred_on,discovered_on,accounted_on,currency,gross_loss\n"
GOOD = "U-1,Good row,ET2.1,BL3,Bank,2025-01-10,2025-01-15,2025-01-31,EUR,5000\n"
BAD = "U-2,Bad row,ET2.1,BL3,Bank,2025-01-10,2025-01-15,2025-01-31,EUR,-12\n"


def upload(service: Service, text: str, name: str = "ticketing.csv", **headers: str):  # type: ignore[no-untyped-def]
    return service.call("ldr", "POST", "/v1/loads", data={"kind": "incidents"},
                        files={"file": (name, text.encode(), "text/csv")}, headers=headers)  # fmt: skip


def test_an_upload_loads_good_rows_and_returns_every_reject(service: Service) -> None:
    r = upload(service, HEAD + GOOD + BAD)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["rows_read"], report["loaded"], report["rejected"]) == (2, 1, 1)
    assert report["ok"] is False and report["paths"] == ["ticketing.csv"]
    (reject,) = report["rejects"]
    assert (
        reject["line"] == 3 and reject["external_id"] == "U-2" and "gross_loss" in reject["fields"]
    )
    assert "U-2" in report["rejects_csv"] and "U-1" not in report["rejects_csv"]
    s = service.db.state("ticketing:U-1")
    assert s.reported_by == "ldr" and s.gross_loss == 5000
    assert service.db.verify().ok


def test_a_retried_upload_returns_the_first_report(service: Service) -> None:
    first = upload(service, HEAD + GOOD, **{"Idempotency-Key": "file-1"})
    after = service.facts()
    again = upload(service, HEAD + GOOD, **{"Idempotency-Key": "file-1"})
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"
    assert service.facts() == after
    # without a key the loader's own idempotency appends nothing either, and says so
    third = upload(service, HEAD + GOOD).json()
    assert (third["loaded"], third["unchanged"], third["facts_appended"]) == (0, 1, 0)
    changed = upload(service, HEAD + GOOD.replace("5000", "6500"), **{"Idempotency-Key": "file-1"})
    assert changed.status_code == 422  # the key belongs to the first file


def test_files_that_cannot_be_read_are_400(service: Service) -> None:
    r = upload(service, "a,b\n1,2\n")
    assert r.status_code == 400 and r.json()["type"] == "urn:oprisk:problem:unreadable-file"
    r = upload(service, HEAD + GOOD, name="../../tmp/evil.csv")
    assert r.status_code == 200 and r.json()["paths"] == ["evil.csv"]  # the base name only
    r = service.call("ldr", "POST", "/v1/loads", data={"mapping": "/etc/mapping.toml"},
                     files={"file": ("x.csv", (HEAD + GOOD).encode(), "text/csv")})  # fmt: skip
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "mapping"


def test_the_upload_form_lists_every_kind_the_loader_takes(service: Service) -> None:
    from oprisk.ingest.load import LOAD_KINDS

    schemas = service.client.get("/openapi.json").json()["components"]["schemas"]
    (form,) = [s for name, s in schemas.items() if name.startswith("Body_load")]
    described = form["properties"]["kind"]["description"]
    assert described.split(", ") == list(LOAD_KINDS)
    assert {"scenarios", "external"} <= set(described.split(", "))
