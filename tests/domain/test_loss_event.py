"""The LossEvent aggregate: every invariant of design.md §3 rejected with its typed error."""

from datetime import date
from decimal import Decimal

import pytest

from oprisk.domain import commands as c
from oprisk.domain.loss_event import decide, evolve, initial, replay
from oprisk.errors import (
    EventAlreadyExistsError,
    EventClosedError,
    EventNotFoundError,
    EventWithdrawnError,
    FourEyesError,
    InvalidDateOrderError,
    InvalidLinkError,
    InvalidMoneyError,
    NothingToChangeError,
    RecoveryExceedsLossError,
    UnknownTaxonomyError,
    WorkflowError,
)

D = date(2024, 3, 1)


def report(**kw):
    base = dict(
        event_id="E1",
        actor="ann",
        title="ATM fraud",
        event_type="ET2.1",
        business_line="BL3",
        occurred_on=D,
        discovered_on=date(2024, 3, 5),
        currency="EUR",
    )
    base.update(kw)
    return c.ReportLossEvent(**base)


def run(*cmds):
    s = initial("E1")
    for cmd in cmds:
        for f in decide(cmd, s):
            s = evolve(s, f)
    return s


def impact(amount="100000", **kw):
    return c.RecordImpact(
        event_id="E1",
        actor="ann",
        amount=amount,
        currency=kw.pop("currency", "EUR"),
        accounted_on=kw.pop("accounted_on", date(2024, 3, 10)),
        **kw,
    )


def test_report_resolves_labels_and_default_cause():
    s = run(report(event_type="外部欺诈", business_line="零售银行"))
    assert (s.event_type, s.business_line, s.cause, s.version) == ("ET2", "BL3", "external", 1)


def test_amounts_fold_into_gross_and_net():
    s = run(
        report(),
        impact("100000"),
        impact("30000", kind="provision"),
        impact("10000", kind="provision_release"),
        c.RecordRecovery(
            event_id="E1",
            actor="ann",
            amount="20000",
            currency="EUR",
            accounted_on=D,
            kind="insurance",
        ),
        c.RecordRecovery(
            event_id="E1",
            actor="ann",
            amount="5000",
            currency="EUR",
            accounted_on=D,
            received=False,
        ),
    )
    assert s.gross_loss == Decimal("120000")
    assert s.recoveries_insurance == Decimal("20000") and s.recoveries_receivable == Decimal("5000")
    assert s.net_loss == Decimal("100000")  # receivables do not reduce the net loss


def test_replay_equals_fold():
    cmds = [report(), impact()]
    s = initial("E1")
    facts = []
    for cmd in cmds:
        for f in decide(cmd, s):
            facts.append(f)
            s = evolve(s, f)
    assert replay("E1", facts) == s


@pytest.mark.parametrize(
    ("cmds", "error", "words"),
    [
        ([report(occurred_on=date(2024, 3, 9))], InvalidDateOrderError, "discovered_on"),
        ([report(event_type="ET9")], UnknownTaxonomyError, "ET9"),
        ([report(business_line="Space Banking")], UnknownTaxonomyError, "Space Banking"),
        ([report(cause="weather")], UnknownTaxonomyError, "weather"),
        ([report(), report()], EventAlreadyExistsError, "already exists"),
        ([impact()], EventNotFoundError, "not been reported"),
        ([report(), impact(currency="USD")], InvalidMoneyError, "event's currency EUR"),
        ([report(), impact(accounted_on=date(2024, 1, 1))], InvalidDateOrderError, "accounted_on"),
        (
            [
                report(),
                c.WithdrawLossEvent(event_id="E1", actor="ann", reason="duplicate"),
                impact(),
            ],
            EventWithdrawnError,
            "withdrawn",
        ),
        (
            [report(), c.CloseLossEvent(event_id="E1", actor="ann"), impact()],
            EventClosedError,
            "reopen",
        ),
        (
            [
                report(),
                impact("100"),
                c.RecordRecovery(
                    event_id="E1", actor="ann", amount="150", currency="EUR", accounted_on=D
                ),
            ],
            RecoveryExceedsLossError,
            "allow_excess",
        ),
        (
            [
                report(),
                c.SubmitLossEvent(event_id="E1", actor="bob"),
                c.ApproveLossEvent(event_id="E1", actor="ann"),
            ],
            FourEyesError,
            "four eyes",
        ),
        (
            [
                report(),
                c.SubmitLossEvent(event_id="E1", actor="bob"),
                c.ApproveLossEvent(event_id="E1", actor="bob"),
            ],
            FourEyesError,
            "four eyes",
        ),
        (
            [report(), c.ApproveLossEvent(event_id="E1", actor="carl")],
            WorkflowError,
            "only submitted",
        ),
        (
            [report(), c.ReclassifyLossEvent(event_id="E1", actor="ann", event_type="ET2.1")],
            NothingToChangeError,
            "changes nothing",
        ),
        (
            [report(), c.LinkLossEvent(event_id="E1", actor="ann", root_event_id="E1")],
            InvalidLinkError,
            "itself",
        ),
        ([report(), impact("50", kind="provision_release")], Exception, "provisions outstanding"),
        ([report(), impact("50"), impact("80", kind="reversal")], Exception, "below zero"),
    ],
)
def test_invariants(cmds, error, words):
    with pytest.raises(error, match=words):
        run(*cmds)


@pytest.mark.parametrize("amount", ["-5", "NaN", "Infinity", "abc", "0"])
def test_bad_amounts_rejected_on_construction(amount):
    with pytest.raises(Exception, match="amount"):
        impact(amount)


def test_excess_recovery_with_explicit_flag():
    s = run(
        report(),
        impact("100"),
        c.RecordRecovery(
            event_id="E1",
            actor="ann",
            amount="150",
            currency="EUR",
            accounted_on=D,
            allow_excess=True,
        ),
    )
    assert s.net_loss == Decimal("-50")


def test_same_line_twice_is_idempotent_but_a_changed_line_is_refused():
    s = run(report(), impact("100", line_id="GL-1"))
    assert decide(impact("100", line_id="GL-1"), s) == []
    with pytest.raises(Exception, match="different content"):
        decide(impact("101", line_id="GL-1"), s)


def test_four_eyes_workflow():
    s = run(
        report(),
        c.SubmitLossEvent(event_id="E1", actor="ann"),
        c.ApproveLossEvent(event_id="E1", actor="carl"),
    )
    assert (s.status, s.approved_by) == ("approved", "carl")


def test_reclassification_moves_default_cause_with_event_type():
    s = run(
        report(event_type="ET7"),
        c.ReclassifyLossEvent(event_id="E1", actor="ann", event_type="ET1"),
    )
    assert (s.event_type, s.cause) == ("ET1", "people")
    s = run(
        report(event_type="ET7", cause="systems"),
        c.ReclassifyLossEvent(event_id="E1", actor="ann", event_type="ET1"),
    )
    assert s.cause == "systems"  # an explicit cause is kept


def test_amend_only_descriptive_fields():
    with pytest.raises(Exception, match="reclassify"):
        run(report(), c.AmendLossEvent(event_id="E1", actor="ann", changes={"event_type": "ET1"}))
    s = run(
        report(),
        c.AmendLossEvent(
            event_id="E1", actor="ann", changes={"title": "ATM skimming", "legal": True}
        ),
    )
    assert s.title == "ATM skimming" and s.legal


def test_nul_characters_are_refused_on_both_databases():
    """PostgreSQL cannot store U+0000 in text or JSONB; the domain refuses it for every backend."""
    with pytest.raises(ValueError, match="NUL"):
        c.AmendLossEvent(event_id="E1", actor="ann", changes={"title": "a\x00b"})
    with pytest.raises(ValueError, match="NUL"):
        report(title="\x00")


def test_an_unknown_occurrence_date_can_be_amended_back_to_none():
    s = run(report(), c.AmendLossEvent(event_id="E1", actor="ann", changes={"occurred_on": None}))
    assert s.occurred_on is None
    facts = decide(
        c.AmendLossEvent(event_id="E1", actor="ann", changes={"occurred_on": "2024-02-01"}), s
    )
    assert evolve(s, facts[0]).occurred_on == date(2024, 2, 1)
