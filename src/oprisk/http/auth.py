"""Who is calling and what they may do: bearer tokens (or OIDC JWTs), roles, rate limits.

Every protected endpoint names its action; :data:`ACTIONS` says which roles may perform it. The
authenticated principal's name is the actor of every fact the request appends; nothing in a body
can set it. Refusals are problem details (401 with ``WWW-Authenticate``, 403, 429 with
``Retry-After``) and each is logged as a denied request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from oprisk.domain.principals import ROLES, fold
from oprisk.http import logs
from oprisk.http.problems import Problem

#: The roles allowed to perform each action (docs/http.md has the same table).
ACTIONS: dict[str, tuple[str, ...]] = {
    "report": ("reporter",),
    "amend": ("reporter",),
    "impacts": ("reporter",),
    "recoveries": ("reporter",),
    "provisions": ("reporter",),
    "submit": ("reporter",),
    "approve": ("approver",),
    "reject": ("approver",),
    "withdraw": ("approver",),
    "exclusions": ("approver",),
    "list": ("analyst", "auditor", "approver"),
    "read": ("analyst", "auditor", "approver", "reporter"),
    "history": ("auditor",),
    "capital": ("analyst",),
    "exports": ("analyst",),
    "verify": ("auditor",),
    "load": ("loader",),
    "principals": ("admin",),
}


@dataclass(frozen=True)
class Caller:
    """The authenticated principal of a request."""

    name: str
    roles: tuple[str, ...]
    via: str = "token"  # token | oidc

    @property
    def key(self) -> str:
        """The name as compared for four eyes: NFKC-normalised and case-folded."""
        return fold(self.name)


@dataclass(frozen=True)
class OidcSettings:
    """Validate JWTs from ``issuer`` for ``audience`` against its JWKS (a URL or a file)."""

    issuer: str
    audience: str
    jwks: str
    roles_claim: str = "roles"
    name_claim: str = "preferred_username"
    algorithms: tuple[str, ...] = ("RS256", "ES256")


@dataclass(frozen=True)
class Settings:
    """Server settings. ``rate_limit`` is requests per second per principal (0: unlimited),
    with bursts up to ``burst``; ``max_upload_bytes`` bounds an upload."""

    rate_limit: float = 100.0
    burst: int = 200
    max_upload_bytes: int = 64 * 2**20
    oidc: OidcSettings | None = None
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)


class RateLimiter:
    """A token bucket per key: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float | None:
        """Take a token for ``key``; ``None`` if there was one, else the seconds until there is."""
        if self.rate <= 0:
            return None
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            return None


class Oidc:
    """JWT validation against an issuer's JWKS; a claim lists the caller's roles."""

    def __init__(self, s: OidcSettings) -> None:
        import jwt

        self.s = s
        self._client: Any = None
        self._keys: dict[str, Any] = {}
        if s.jwks.startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(s.jwks, cache_keys=True)
        else:
            keys = jwt.PyJWKSet.from_json(Path(s.jwks).read_text(encoding="utf-8"))
            self._keys = {str(k.key_id): k.key for k in keys.keys}

    def caller(self, token: str) -> Caller | None:
        import jwt

        try:
            if self._client is not None:
                key = self._client.get_signing_key_from_jwt(token).key
            else:
                key = self._keys.get(str(jwt.get_unverified_header(token).get("kid")))
                if key is None:
                    return None
            claims = jwt.decode(
                token,
                key,
                algorithms=list(self.s.algorithms),
                audience=self.s.audience,
                issuer=self.s.issuer,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        name = claims.get(self.s.name_claim) or claims.get("sub")
        raw = claims.get(self.s.roles_claim) or []
        granted = raw.split() if isinstance(raw, str) else list(raw)
        roles = tuple(r for r in ROLES if r in granted)
        return Caller(str(name), roles, via="oidc") if name else None


class Guard:
    """Authenticates requests and checks their roles and rate."""

    def __init__(self, principals: Any, settings: Settings) -> None:
        self.principals = principals
        self.limiter = RateLimiter(settings.rate_limit, settings.burst, settings.clock)
        self.oidc = Oidc(settings.oidc) if settings.oidc else None

    @staticmethod
    def _token(request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def caller(self, request: Request) -> Caller:
        """Authenticate in full: the principal facts appended since the last look, and an argon2
        verification for a token not seen before (or OIDC validation)."""
        token = self._token(request) or ""
        request.state.auth_confirmed = True
        caller: Caller | None = None
        if token:
            if self.oidc is not None and token.count(".") == 2:
                caller = self.oidc.caller(token)
            else:
                p = self.principals.authenticate(token)
                caller = Caller(p.name, p.roles) if p is not None else None
        if caller is None:
            self._refuse(request, token)
        request.state.caller = caller
        self._limit(request, f"principal:{caller.key}")
        return caller

    def _refuse(self, request: Request, token: str) -> NoReturn:
        """401, logged; failed attempts count against the client address's rate limit."""
        client = request.client.host if request.client else "unknown"
        self._limit(request, f"client:{client}")  # guessing tokens is rate-limited too
        reason = "no bearer token" if not token else "invalid, expired or revoked token"
        logs.denied(request.state.request_id, 401, reason, client=client, path=request.url.path)
        raise Problem(
            401,
            "unauthenticated",
            f"authentication required: {reason}",
            headers={"WWW-Authenticate": 'Bearer realm="oprisk"'},
        )

    def remembered(self, request: Request) -> Caller | None:
        """The caller from memory alone (a token that verified before), without blocking."""
        token = self._token(request)
        if token is None or (self.oidc is not None and token.count(".") == 2):
            return None
        p = self.principals.remembered(token)
        return Caller(p.name, p.roles) if p is not None else None

    def confirm(self, request: Request) -> Caller:
        """The caller, confirmed against the principal facts appended since the last look: the
        first thing an endpoint does (in its worker thread), so a revocation or rotation made a
        moment ago refuses this request (401) before anything is read or written."""
        caller: Caller = request.state.caller
        if not request.state.auth_confirmed:
            token = self._token(request) or ""
            p = self.principals.authenticate(token)
            if p is None:
                self._refuse(request, token)
        return caller

    def claimed(self, request: Request) -> Caller:
        """The caller as recognised on the event loop, for a command: the writer confirms it
        (:meth:`recheck`) in the transaction that appends, before anything is read or written
        there; no read transaction of its own."""
        caller: Caller = request.state.caller
        return caller

    def recheck(self, request: Request) -> None:
        """Refuse (401) a token that is no longer good, from memory: the writer has just folded
        the principal facts appended since the last look, in its own transaction."""
        if request.state.auth_confirmed:
            return  # authenticated in full by this request
        token = self._token(request) or ""
        if self.principals.remembered(token) is None:
            self._refuse(request, token)

    def _limit(self, request: Request, key: str) -> None:
        wait = self.limiter.retry_after(key)
        if wait is not None:
            seconds = max(1, int(wait + 0.999))
            logs.denied(request.state.request_id, 429, "rate limited", key=key)
            raise Problem(
                429,
                "rate-limited",
                f"too many requests for {key}: retry in {seconds} s",
                headers={"Retry-After": str(seconds)},
            )

    def need(self, action: str) -> Any:
        """``dependencies=[guard.need(action)]``; the endpoint starts with ``guard.confirm(request)``
        (or, for a command the writer appends, ``guard.claimed(request)``)."""
        from fastapi import Depends

        return Depends(self.allow(action))

    def allow(self, action: str) -> Callable[[Request], Awaitable[Caller]]:
        """A FastAPI dependency: the caller, if one of their roles may perform ``action``."""
        roles = ACTIONS[action]

        async def dependency(request: Request) -> Caller:
            # a token seen before is recognised in memory, on the event loop; the endpoint's
            # confirm() then reads what changed since, in the thread it runs in anyway (one
            # thread hop per request instead of two)
            caller = self.remembered(request)
            if caller is None:
                caller = await run_in_threadpool(self.caller, request)
            else:
                request.state.caller, request.state.auth_confirmed = caller, False
                self._limit(request, f"principal:{caller.key}")
            if not any(r in caller.roles for r in roles):
                detail = (
                    f"principal {caller.name!r} (roles: {', '.join(caller.roles) or 'none'}) "
                    f"may not {action}: needs {' or '.join(roles)}"
                )
                logs.denied(
                    request.state.request_id,
                    403,
                    detail,
                    principal=caller.name,
                    action=action,
                    path=request.url.path,
                )
                raise Problem(403, "forbidden", detail)
            return caller

        dependency.__name__ = f"allow_{action}"
        return dependency
