"""``oprisk serve``: the HTTP service (the ``http`` extra) over the database of ``--db``."""

from __future__ import annotations

import gc

import click

from oprisk.cli.options import Command, open_db
from oprisk.errors import ConfigurationError


@click.command("serve", cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--rate-limit", default=100.0, show_default=True, type=click.FloatRange(min=0),
              help="Requests per second per principal (0: no limit).")  # fmt: skip
@click.option("--burst", default=200, show_default=True, type=click.IntRange(min=1),
              help="Requests a principal may save up.")  # fmt: skip
@click.option("--max-upload-mb", default=64, show_default=True, type=click.IntRange(min=1))
@click.option("--oidc-issuer", default=None, help="Accept JWTs from this OIDC issuer too.")
@click.option("--oidc-audience", default=None, help="The audience the JWTs must name.")
@click.option("--oidc-jwks", default=None, help="The issuer's JWKS: a URL or a file.")
@click.option("--oidc-roles-claim", default="roles", show_default=True,
              help="Claim listing the caller's oprisk roles.")  # fmt: skip
@click.option("--oidc-name-claim", default="preferred_username", show_default=True,
              help="Claim naming the caller (the actor of their facts).")  # fmt: skip
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))  # fmt: skip
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    rate_limit: float,
    burst: int,
    max_upload_mb: int,
    oidc_issuer: str | None,
    oidc_audience: str | None,
    oidc_jwks: str | None,
    oidc_roles_claim: str,
    oidc_name_claim: str,
    log_level: str,
) -> None:
    """Serve the HTTP API (JSON logs on stderr) until interrupted."""
    try:
        import uvicorn

        from oprisk.http import OidcSettings, Settings, create_app, logs
    except ImportError as err:
        raise ConfigurationError(
            f"oprisk serve needs the http extra ({err.name} is missing): pip install 'oprisk[http]'"
        ) from None
    oidc_given = [oidc_issuer, oidc_audience, oidc_jwks]
    if any(oidc_given) and not all(oidc_given):
        raise ConfigurationError(
            "OIDC needs --oidc-issuer, --oidc-audience and --oidc-jwks together"
        )
    oidc = (
        OidcSettings(oidc_issuer, oidc_audience, oidc_jwks, oidc_roles_claim, oidc_name_claim)
        if oidc_issuer and oidc_audience and oidc_jwks
        else None
    )
    settings = Settings(
        rate_limit=rate_limit, burst=burst, max_upload_bytes=max_upload_mb * 2**20, oidc=oidc
    )
    logs.configure(log_level)
    app = create_app(open_db(ctx), settings, close_db=True)
    # what is alive now (modules, the app, the database's metadata) lives as long as the server:
    # kept out of the collector's full passes, which then take milliseconds instead of ~100 ms
    # and no longer stall every request in flight
    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
