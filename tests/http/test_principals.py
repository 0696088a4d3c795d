"""Principals: ``oprisk users`` (token printed once, only an argon2id hash stored, as facts),
revocation and rotation taking effect at the next request, the admin endpoints, OIDC JWTs,
rate limits, denied-request logs and no traceback on an unexpected error."""

from __future__ import annotations

import io
import logging
import time

import jwt
import orjson
import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.http.conftest import Service, make_service

from oprisk.cli import main
from oprisk.http import OidcSettings, Settings
from oprisk.http.logs import LOGGER, JsonFormatter


def test_users_add_prints_the_token_alone_and_stores_only_its_hash(db_url: str) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["--db", db_url, "users", "add", "grc-system", "--role", "reporter",
                               "--role", "loader"])  # fmt: skip
    assert out.exit_code == 0, out.output
    token = out.stdout.strip()
    assert out.stdout == token + "\n" and token.startswith("oprisk_")
    from oprisk.api import connect

    with connect(db_url) as db:
        (fact,) = db.events()
        assert fact.stream_type == "principal" and fact.event_type == "principal.added"
        assert token not in orjson.dumps([fact.payload, fact.meta]).decode()
        assert fact.payload["roles"] == ["reporter", "loader"]
        assert fact.meta["actor"].startswith("cli:")
        assert PasswordHasher().verify(fact.payload["token_hash"], token)
        assert fact.payload["token_hash"].startswith("$argon2id$")
        assert db.principals.authenticate(token).name == "grc-system"
        assert db.verify().ok  # principal facts are hash-chained like the rest
    dup = runner.invoke(main, ["--db", db_url, "users", "add", "GRC-System", "--role", "analyst"])
    assert dup.exit_code == 2 and "principal 'grc-system' already exists" in dup.stderr
    listed = runner.invoke(main, ["--db", db_url, "users", "list", "--json"])
    assert [u["name"] for u in orjson.loads(listed.stdout)] == ["grc-system"]
    assert "token" not in listed.stdout
    out = runner.invoke(
        main, ["--db", db_url, "users", "revoke", "grc-system", "--reason", "retired"]
    )
    assert out.exit_code == 0
    with connect(db_url) as db:
        assert db.principals.authenticate(token) is None


def test_revocation_and_rotation_apply_to_the_next_request(service: Service) -> None:
    assert service.call("ana", "GET", "/v1/loss-events").status_code == 200
    r = service.call("adm", "POST", "/v1/principals/ana/rotate")
    assert r.status_code == 200
    old, service.tokens["ana"] = service.tokens["ana"], r.json()["token"]
    assert service.call("ana", "GET", "/v1/loss-events").status_code == 200
    assert (
        service.client.get(
            "/v1/loss-events", headers={"Authorization": f"Bearer {old}"}
        ).status_code
        == 401
    )
    service.db.principals.revoke("ana", actor="elsewhere")  # another process, same database
    assert service.call("ana", "GET", "/v1/loss-events").status_code == 401


def test_admin_endpoints(service: Service) -> None:
    r = service.call(
        "adm", "POST", "/v1/principals", json={"name": "branch-app", "roles": ["reporter"]}
    )
    assert r.status_code == 201 and r.json()["token"].startswith("oprisk_")
    service.tokens["branch-app"] = r.json()["token"]
    assert service.call("branch-app", "GET", "/v1/loss-events").status_code == 403
    listed = service.call("adm", "GET", "/v1/principals").json()
    assert {p["name"] for p in listed} >= {"branch-app", "adm"}
    assert all("token_hash" not in p and "token" not in p for p in listed)
    added = next(p for p in listed if p["name"] == "branch-app")
    assert added["added_by"] == "adm"
    r = service.call("adm", "POST", "/v1/principals", json={"name": "x", "roles": ["root"]})
    assert r.status_code == 422 and "'role'" in r.json()["detail"]
    r = service.call(
        "adm", "POST", "/v1/principals/branch-app/revoke", json={"reason": "decommissioned"}
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert (
        service.call(
            "adm", "POST", "/v1/principals/nobody/revoke", json={"reason": "x"}
        ).status_code
        == 404
    )


def _jwks(tmp_path):  # type: ignore[no-untyped-def]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = orjson.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    path = tmp_path / "jwks.json"
    path.write_bytes(
        orjson.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})
    )
    return key, str(path)


def test_oidc_tokens_map_a_claim_to_roles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key, jwks = _jwks(tmp_path)
    oidc = OidcSettings(issuer="https://idp.example", audience="oprisk", jwks=jwks)
    for s in make_service(f"sqlite:///{tmp_path / 'o.db'}", Settings(oidc=oidc)):
        now = int(time.time())
        claims = {"iss": "https://idp.example", "aud": "oprisk", "exp": now + 300,
                  "preferred_username": "wang.reviewer", "roles": ["approver", "analyst", "superuser"]}  # fmt: skip

        def call(c: dict, signer=key, kid="k1", s=s):  # type: ignore[no-untyped-def]
            token = jwt.encode(c, signer, algorithm="RS256", headers={"kid": kid})
            return s.client.get("/v1/loss-events", headers={"Authorization": f"Bearer {token}"})

        assert call(claims).status_code == 200
        assert call({**claims, "roles": ["reporter"]}).status_code == 403
        assert call({**claims, "exp": now - 10}).status_code == 401
        assert call({**claims, "aud": "someone-else"}).status_code == 401
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        assert call(claims, signer=other).status_code == 401
        event_id = s.new_event("wang.reviewer", state="submitted")
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        r = s.client.post(f"/v1/loss-events/{event_id}/approve",
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert r.status_code == 422 and "four eyes" in r.json()["detail"]


class Tick:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_limits_answer_429_until_tokens_come_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = Tick()
    for s in make_service(
        f"sqlite:///{tmp_path / 'r.db'}", Settings(rate_limit=1, burst=2, clock=clock)
    ):
        s.add("ana", "analyst")
        assert [s.call("ana", "GET", "/v1/loss-events").status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        r = s.call("ana", "GET", "/v1/loss-events")
        assert (
            r.headers["retry-after"] == "1"
            and r.json()["type"] == "urn:oprisk:problem:rate-limited"
        )
        clock.now += 1.0
        assert s.call("ana", "GET", "/v1/loss-events").status_code == 200
        bad = {"Authorization": "Bearer wrong"}
        assert [s.client.get("/v1/verify", headers=bad).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]


def test_denied_requests_are_logged_as_json_with_the_request_id(service: Service) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        r = service.call("ana", "POST", "/v1/loss-events/X:1/approve")
    finally:
        logger.removeHandler(handler)
    assert r.status_code == 403
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
    denied = [x for x in lines if x.get("event") == "denied"]
    assert denied and denied[0]["request_id"] == r.headers["x-request-id"] == r.json()["request_id"]
    assert denied[0]["principal"] == "ana" and denied[0]["status"] == 403
    done = [x for x in lines if x.get("event") == "request"]
    assert done[0]["status"] == 403 and done[0]["request_id"] == r.headers["x-request-id"]


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(service: Service) -> None:
    app = service.client.app

    @app.get("/boom")  # type: ignore[union-attr]
    def boom() -> None:
        raise RuntimeError("secret internals")

    r = service.client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert r.json()["request_id"] == r.headers["x-request-id"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json"])
def test_health_and_openapi_need_no_token(service: Service, path: str) -> None:
    r = service.client.get(path)
    assert r.status_code == 200
    if path == "/openapi.json":
        paths = r.json()["paths"]
        assert "/v1/loss-events/{event_id}/approve" in paths and "/v1/loads" in paths
