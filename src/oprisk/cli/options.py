"""What every ``oprisk`` command shares: the global options, clean errors, opening the database.

The global options ``--db``, ``--json`` and ``--quiet`` are accepted before or after the
sub-command (``oprisk --db URL losses`` and ``oprisk losses --db URL``), and on a group between
the two (``oprisk capital --json sa …``). Every :class:`Group` and :class:`Command` carries them;
each occurrence writes into the one :class:`Settings` of the invocation, so the last one on the
command line wins and ``OPRISK_DATABASE_URL`` is used only when no ``--db`` is given.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from click.core import ParameterSource

from oprisk.errors import InconsistentJudgementError, OpriskError

DB_HELP = "Database URL (default: OPRISK_DATABASE_URL or ./oprisk.db)."
DB_ENVVAR = "OPRISK_DATABASE_URL"


@dataclass
class Settings:
    """The global options of one invocation, shared by the group and command contexts."""

    url: str | None = None
    url_given: bool = False  # --db on the command line, not from OPRISK_DATABASE_URL
    currency: str = "EUR"
    json: bool = False
    quiet: bool = False


def settings(ctx: click.Context) -> Settings:
    return ctx.ensure_object(Settings)


def _set_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        s = settings(ctx)
        s.url = value
        s.url_given = ctx.get_parameter_source(param.name or "") is ParameterSource.COMMANDLINE


def _set_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:  # a flag only switches on: a later position without it keeps an earlier one
        setattr(settings(ctx), param.name or "", True)


def _db_option(help: str, envvar: str | None = None) -> click.Option:
    return click.Option(
        ["--db", "db_url"], envvar=envvar, default=None, expose_value=False, callback=_set_db,
        help=help,
    )  # fmt: skip


def _json_option(help: str, hidden: bool = False) -> click.Option:
    return click.Option(
        ["--json", "json"], is_flag=True, expose_value=False, callback=_set_flag, help=help,
        hidden=hidden,
    )  # fmt: skip


def _quiet_option() -> click.Option:
    return click.Option(
        ["-q", "--quiet", "quiet"], is_flag=True, expose_value=False, callback=_set_flag,
        help="No progress bars.",
    )  # fmt: skip


class Command(click.Command):
    """A command with the global options after its own, and oprisk errors as one line (exit 2).

    A command's own ``--json`` is a flag named ``as_json`` or the ``fmt`` of :func:`fmt_option`; a
    ``--json`` given before the sub-command switches it on (an explicit ``--csv``/``--table``
    after it wins). A command with no JSON output refuses ``--json`` in either position.
    ``db_help`` describes ``--db`` where the command uses it differently.
    """

    def __init__(self, *args: Any, db_help: str = DB_HELP, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own_json = [p.name for p in self.params if "--json" in p.opts]
        assert set(own_json) <= {"as_json", "fmt"}, f"{self.name}: --json must set as_json or fmt"
        self.params += [_db_option(db_help), _quiet_option()]
        if not own_json:
            self.params.append(_json_option("(no JSON output)", hidden=True))

    def invoke(self, ctx: click.Context) -> Any:
        if settings(ctx).json:
            _switch_to_json(ctx)
        try:
            return super().invoke(ctx)
        except InconsistentJudgementError as err:  # a check that failed, not a usage error
            click.echo(f"error: {cli_wording(str(err))}", err=True)
            sys.exit(1)
        except OpriskError as err:
            click.echo(f"error: {cli_wording(str(err))}", err=True)
            sys.exit(2)


#: hints in the library's words → the command line's
_HINTS = (
    (
        re.compile(r"(?:record (?:it|one) with )?db\.record_fx_rate(?:\([^)]*\))?"),
        "record it with `oprisk fx record CURRENCY DATE RATE`",
    ),
    (re.compile(r"\bpass (\w+)=(?:True)?"), None),
)


def cli_wording(message: str) -> str:
    """A library message with its hints in CLI terms: ``pass legal_entity=`` → ``pass
    --legal-entity``, ``db.record_fx_rate(...)`` → ``oprisk fx record ...``."""
    for pattern, replacement in _HINTS:
        if replacement is None:
            message = pattern.sub(lambda m: f"pass --{m.group(1).replace('_', '-')}", message)
        else:
            message = pattern.sub(replacement, message)
    return message


def _switch_to_json(ctx: click.Context) -> None:
    if "as_json" in ctx.params:
        ctx.params["as_json"] = True
    elif "fmt" in ctx.params:
        if ctx.get_parameter_source("fmt") is not ParameterSource.COMMANDLINE:
            ctx.params["fmt"] = "json"
    else:
        raise click.UsageError(f"'{ctx.command_path}' has no JSON output (--json)", ctx)


class Group(click.Group):
    """A group with the global options before its own; its sub-commands and sub-groups get them
    too. ``db_envvar`` is for the root only: a nested group reading the environment again would
    override a ``--db`` given before it."""

    command_class = Command
    group_class = type  # sub-groups are Groups

    def __init__(self, *args: Any, db_envvar: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params[:0] = [
            _db_option(DB_HELP, envvar=db_envvar),
            _json_option("JSON output (for the commands that have it)."),
            _quiet_option(),
        ]


def open_db(ctx: click.Context) -> Any:
    from oprisk.api import connect

    s = settings(ctx)
    return connect(s.url, reporting_currency=s.currency)


def parse_as_of(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def parse_subsidiaries(values: tuple[str, ...]) -> dict[str, str] | None:
    """``--subsidiary NAME=LEI`` options as a mapping (None when none was given)."""
    from oprisk.errors import ConfigurationError, invalid

    out = {}
    for v in values:
        name, sep, lei = v.rpartition("=")
        if not sep or not name.strip():
            raise ConfigurationError(invalid("subsidiary", v, "must be NAME=LEI"))
        out[name.strip()] = lei.strip()
    return out or None


#: the help every ``--as-of`` shares
AS_OF_HELP = (
    "Knowledge cut-off: a log position, an ISO date/timestamp, now, today or '2 hours ago'."
)


def as_of_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--as-of`` (default: now) as the parameter ``as_of``."""
    return click.option("--as-of", default=None, help=AS_OF_HELP)(fn)


def confidence_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--confidence`` of a VaR / ES (default 99.9 %) as the parameter ``confidence``."""
    return click.option("--confidence", default=0.999, show_default=True, type=float)(fn)


def seed_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--seed`` of a simulation (default 2026) as the parameter ``seed``."""
    return click.option("--seed", default=2026, show_default=True, type=int)(fn)


def fmt_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--json`` / ``--csv`` (table by default) as the parameter ``fmt``."""
    fn = click.option("--json", "fmt", flag_value="json", help="JSON records.")(fn)
    fn = click.option("--csv", "fmt", flag_value="csv", help="CSV.")(fn)
    return click.option("--table", "fmt", flag_value="table", default=True, hidden=True)(fn)
