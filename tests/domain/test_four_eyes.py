"""Four eyes that holds: actors compared as people, changes that wait for a second actor, approvals
tied to the version approved."""

from datetime import date

import pytest

from oprisk.domain import commands as c
from oprisk.domain import events as e
from oprisk.domain.actors import actor_key, same_actor
from oprisk.domain.loss_event import decide, evolve, initial
from oprisk.errors import FourEyesError, NothingToChangeError, WorkflowError

REPORT = c.ReportLossEvent(
    event_id="E1",
    actor="alice",
    title="ATM fraud",
    event_type="ET2.1",
    business_line="BL3",
    discovered_on=date(2024, 3, 5),
    currency="EUR",
)


def run(*cmds, state=None):
    s = state or initial("E1")
    facts = []
    for cmd in cmds:
        for f in decide(cmd, s):
            s = evolve(s, f)
            facts.append(f)
    return s, facts


def impact(amount="1000", actor="alice"):
    return c.RecordImpact(
        event_id="E1", actor=actor, amount=amount, currency="EUR", accounted_on=date(2024, 3, 10)
    )


def exclude(actor="alice", reference="SUP-1"):
    return c.ExcludeLossEvent(
        event_id="E1",
        actor=actor,
        approval_reference=reference,
        approved_on=date(2024, 6, 1),
        reason="divested",
    )


def submitted_and_approved():
    return run(
        REPORT,
        impact(),
        c.SubmitLossEvent(event_id="E1", actor="alice"),
        c.ApproveLossEvent(event_id="E1", actor="bob"),
    )[0]


# the same person written in ways a string compare tells apart
ALICE = [
    "Alice",
    "ALICE",
    " alice ",
    "Ａｌｉｃｅ",  # full width
    "ali\u200bce",  # zero-width space
    "ali\u00adce",  # soft hyphen
    "\u2060alice",  # word joiner
]


@pytest.mark.parametrize("name", ALICE)
def test_the_reporter_cannot_approve_under_another_spelling(name):
    s = run(REPORT, impact(), c.SubmitLossEvent(event_id="E1", actor="bob"))[0]
    with pytest.raises(FourEyesError, match="four eyes"):
        decide(c.ApproveLossEvent(event_id="E1", actor=name), s)


def test_names_in_other_normal_forms_are_one_person():
    composed, decomposed = "Jos\u00e9", "Jose\u0301"  # é as one code point, and as e + accent
    assert composed != decomposed and same_actor(composed, decomposed)
    assert actor_key("Straße") == actor_key("STRASSE")  # full case folding
    assert not same_actor("alice", "alicia") and not same_actor("alice", None)
    # look-alikes from another script are different code points: not folded (docs/security.md)
    assert not same_actor("alice", "\u0430lice")


def test_an_exclusion_is_a_request_until_another_actor_approves_it():
    s, facts = run(REPORT, impact(), exclude())
    assert [type(f) for f in facts][-1] is e.ExclusionRequested
    assert not s.excluded and s.pending is not None and s.pending.kind == "exclusion"
    for who in ("alice", "ALICE"):  # the requester (here also the reporter)
        with pytest.raises(FourEyesError):
            decide(c.ApproveRequest(event_id="E1", actor=who), s)
    s2, facts = run(c.ApproveRequest(event_id="E1", actor="bob", request="exclusion"), state=s)
    assert [f.event_type for f in facts] == ["loss_event.request_approved", "loss_event.excluded"]
    assert facts[0].request_version == s.pending.version == 3
    assert s2.excluded and s2.exclusion_reference == "SUP-1" and s2.pending is None


def test_the_reporter_cannot_approve_a_colleagues_request_to_exclude_her_event():
    s, _ = run(REPORT, impact(), exclude(actor="carol"))
    with pytest.raises(FourEyesError):
        decide(c.ApproveRequest(event_id="E1", actor="Alice"), s)
    assert run(c.ApproveRequest(event_id="E1", actor="bob"), state=s)[0].excluded


def test_a_request_asked_again_is_a_no_op_and_another_waits_for_the_first():
    s, _ = run(REPORT, exclude())
    assert decide(exclude(), s) == []  # a loader reading its file again
    with pytest.raises(WorkflowError, match="pending exclusion request"):
        decide(exclude(reference="SUP-2"), s)
    with pytest.raises(WorkflowError, match="not a withdrawal request"):
        decide(c.ApproveRequest(event_id="E1", actor="bob", request="withdrawal"), s)
    s, facts = run(c.RejectRequest(event_id="E1", actor="bob", reason="no letter"), state=s)
    assert s.pending is None and not s.excluded and facts[0].rejected_by == "bob"
    with pytest.raises(WorkflowError, match="no pending request"):
        decide(c.ApproveRequest(event_id="E1", actor="bob"), s)
    excluded, _ = run(exclude(), c.ApproveRequest(event_id="E1", actor="bob"), state=s)
    with pytest.raises(NothingToChangeError):
        decide(exclude(), excluded)


def test_withdrawal_of_an_approved_event_waits_for_a_second_actor():
    unapproved, facts = run(REPORT, c.WithdrawLossEvent(event_id="E1", actor="alice", reason="dup"))
    assert unapproved.status == "withdrawn" and facts[-1].event_type == "loss_event.withdrawn"
    s = submitted_and_approved()
    s, facts = run(c.WithdrawLossEvent(event_id="E1", actor="alice", reason="dup"), state=s)
    assert s.status == "approved" and s.pending.kind == "withdrawal"
    with pytest.raises(FourEyesError):
        decide(c.ApproveRequest(event_id="E1", actor="Alice"), s)
    s, facts = run(c.ApproveRequest(event_id="E1", actor="carol"), state=s)
    assert s.status == "withdrawn" and facts[-1].event_type == "loss_event.withdrawn"


def test_reopening_an_approved_closed_event_waits_for_a_second_actor():
    plain, _ = run(REPORT, c.CloseLossEvent(event_id="E1", actor="alice"))
    assert (
        run(c.ReopenLossEvent(event_id="E1", actor="alice", reason="x"), state=plain)[0].status
        == "open"
    )
    s, _ = run(c.CloseLossEvent(event_id="E1", actor="alice"), state=submitted_and_approved())
    s, _ = run(c.ReopenLossEvent(event_id="E1", actor="alice", reason="new claim"), state=s)
    assert s.status == "closed" and s.pending.kind == "reopening"
    s, facts = run(c.ApproveRequest(event_id="E1", actor="bob"), state=s)
    assert s.status == "open" and facts[-1].event_type == "loss_event.reopened"


def test_the_approval_records_the_version_it_approved():
    s = submitted_and_approved()
    assert s.approved_version == 3 and s.version == 4 and s.approved_by == "bob"


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (impact("250"), "amount"),
        (
            c.RecordRecovery(
                event_id="E1", actor="dave", amount="10", currency="EUR",
                accounted_on=date(2024, 4, 1),
            ),
            "amount",
        ),
        (c.ReclassifyLossEvent(event_id="E1", actor="dave", business_line="BL2"), "classification"),
    ],
)  # fmt: skip
def test_a_material_change_after_approval_sends_the_event_back_to_review(change, what):
    s, facts = run(change, state=submitted_and_approved())
    back = facts[-1]
    assert isinstance(back, e.LossEventReturnedToReview)
    assert (back.approved_version, back.reason) == (3, f"{what} changed after approval")
    assert s.status == "submitted" and s.approved_version is None
    # the one who changed it cannot approve it; someone else can, for the new version
    with pytest.raises(FourEyesError):
        decide(c.ApproveLossEvent(event_id="E1", actor=change.actor.upper()), s)
    s, _ = run(c.ApproveLossEvent(event_id="E1", actor="erin"), state=s)
    assert s.status == "approved" and s.approved_version == s.version - 1


def test_a_descriptive_amendment_keeps_the_approval():
    s, facts = run(
        c.AmendLossEvent(event_id="E1", actor="alice", changes={"title": "ATM skimming"}),
        state=submitted_and_approved(),
    )
    assert [f.event_type for f in facts] == ["loss_event.amended"]
    assert s.status == "approved" and s.approved_version == 3


def test_approvals_recorded_before_the_version_was_kept_mean_the_version_before():
    s = run(REPORT, impact(), c.SubmitLossEvent(event_id="E1", actor="alice"))[0]
    old = e.LossEventApproved.model_validate({"approved_by": "bob"})  # an old payload
    assert evolve(s, old).approved_version == s.version
