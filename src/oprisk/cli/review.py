"""``oprisk review list|approve|reject``: the second pair of eyes on the command line.

What waits for a second actor: a loss event *submitted* for approval (above the approval
threshold, or sent back to review by a material change) and a *pending* exclusion, withdrawal or
reopening of an approved event (docs/security.md, four eyes). ``approve`` decides the pending
request when there is one, otherwise the submitted event; the domain refuses the actor who asked.
"""

from __future__ import annotations

import getpass

import click

from oprisk.cli.options import Group, as_of_option, fmt_option, open_db, parse_as_of
from oprisk.cli.output import emit
from oprisk.errors import ConfigurationError

#: the columns ``review list`` shows
REVIEW_COLUMNS = [
    "event_id",
    "title",
    "status",
    "pending",
    "awaiting_approval",
    "reported_by",
    "gross_loss_reporting",
    "version",
]


@click.group("review", cls=Group)
def review() -> None:
    """Four eyes: what awaits a second actor's approval, and the decision."""


@review.command("list")
@as_of_option
@fmt_option
@click.pass_context
def review_list(ctx: click.Context, as_of: str | None, fmt: str) -> None:
    """Events submitted for approval and events with a pending exclusion, withdrawal or reopening."""
    with open_db(ctx) as db:
        df = db.losses(as_of=parse_as_of(as_of))
    waiting = df[
        (df["status"] == "submitted") | df["pending"].notna() | df["awaiting_approval"].astype(bool)
    ]
    emit(waiting[[c for c in REVIEW_COLUMNS if c in waiting]].reset_index(drop=True), fmt)


@review.command("approve")
@click.argument("event_id")
@click.option("--actor", default=None, help="Who approves (default: the login name).")
@click.pass_context
def review_approve(ctx: click.Context, event_id: str, actor: str | None) -> None:
    """Approve EVENT_ID's pending request, or the event itself when it is submitted."""
    who = actor or getpass.getuser()
    with open_db(ctx) as db:
        state = db.state(event_id)
        if state.pending is not None:
            what = f"the {state.pending.kind}"
            facts = db.approve_request(event_id, actor=who)
        elif state.status == "submitted":
            what = "the event"
            facts = db.approve(event_id, actor=who)
        else:
            raise ConfigurationError(
                f"{event_id} has nothing awaiting approval (status {state.status}, no pending request)"
            )
    click.echo(f"{event_id}: approved {what} by {who} (position {facts[-1].position})")


@review.command("reject")
@click.argument("event_id")
@click.option("--reason", required=True, help="Why (recorded with the decision).")
@click.option("--actor", default=None, help="Who rejects (default: the login name).")
@click.pass_context
def review_reject(ctx: click.Context, event_id: str, reason: str, actor: str | None) -> None:
    """Turn down EVENT_ID's pending request, or reject the event itself when it is submitted."""
    who = actor or getpass.getuser()
    with open_db(ctx) as db:
        state = db.state(event_id)
        if state.pending is not None:
            what = f"the {state.pending.kind}"
            facts = db.reject_request(event_id, actor=who, reason=reason)
        elif state.status == "submitted":
            what = "the event"
            facts = db.reject(event_id, actor=who, reason=reason)
        else:
            raise ConfigurationError(
                f"{event_id} has nothing awaiting a decision (status {state.status}, no pending request)"
            )
    click.echo(f"{event_id}: rejected {what} by {who} (position {facts[-1].position})")
