"""Property: for random command sequences, the read models equal a replay of the log, at every cut-off."""

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oprisk.domain import commands as c
from oprisk.domain.events import fact_from
from oprisk.domain.loss_event import replay

_counter = itertools.count()
D0 = date(2020, 1, 1)

amount = st.decimals(min_value="0.01", max_value="1000000", places=2)
day = st.integers(min_value=0, max_value=2000).map(lambda n: D0 + timedelta(days=n))
op = st.one_of(
    st.tuples(
        st.just("impact"),
        st.sampled_from(["loss", "provision", "cost", "provision_release", "reversal"]),
        amount,
        day,
    ),
    st.tuples(
        st.just("recovery"), st.sampled_from(["insurance", "other"]), amount, day, st.booleans()
    ),
    st.tuples(
        st.just("reclassify"),
        st.sampled_from(["ET1", "ET2.1", "ET4", "ET7.1"]),
        st.sampled_from(["BL3", "BL4", "BL21"]),
    ),
    st.tuples(
        st.just("amend"),
        st.text(
            st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]),
            min_size=1,
            max_size=20,
        ),
    ),
    st.tuples(
        st.just("workflow"),
        st.sampled_from(["submit", "approve", "close", "reopen", "withdraw", "exclude"]),
    ),
)


def to_command(eid, o):
    a = {"event_id": eid, "actor": "u1"}
    kind = o[0]
    if kind == "impact":
        return c.RecordImpact(**a, kind=o[1], amount=o[2], currency="EUR", accounted_on=o[3])
    if kind == "recovery":
        return c.RecordRecovery(
            **a, kind=o[1], amount=o[2], currency="EUR", accounted_on=o[3], received=o[4]
        )
    if kind == "reclassify":
        return c.ReclassifyLossEvent(**a, event_type=o[1], business_line=o[2])
    if kind == "amend":
        return c.AmendLossEvent(**a, changes={"title": o[1]})
    step = o[1]
    if step == "approve":
        return c.ApproveLossEvent(event_id=eid, actor="u2")
    return {
        "submit": c.SubmitLossEvent(**a),
        "close": c.CloseLossEvent(**a),
        "reopen": c.ReopenLossEvent(**a, reason="r"),
        "withdraw": c.WithdrawLossEvent(**a, reason="duplicate"),
        "exclude": c.ExcludeLossEvent(
            **a, approval_reference="SUP-1", approved_on=D0, reason="divested"
        ),
    }[step]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(streams=st.lists(st.lists(op, max_size=8), min_size=1, max_size=3), batch=st.booleans())
def test_read_models_equal_replay(db, streams, batch):
    run = next(_counter)
    cmds = []
    for i, ops in enumerate(streams):
        eid = f"P{run}-{i}"
        cmds.append(
            c.ReportLossEvent(
                event_id=eid,
                actor="u1",
                title="t",
                event_type="ET7",
                business_line="BL3",
                occurred_on=D0,
                discovered_on=D0,
                currency="EUR",
            )
        )
        cmds.extend(to_command(eid, o) for o in ops)
    if batch:
        db.execute(cmds, errors=[])
    else:
        for cmd in cmds:
            try:
                db.execute(cmd)
            except (
                Exception
            ) as err:  # rules broken by random sequences are expected, typed and clean
                assert type(err).__module__ == "oprisk.errors", err
    report = db.verify()
    assert report.ok, str(report)
    log = db.events()
    for p in sorted({r.position for r in log})[-6:]:
        frame = db.losses(as_of=p, include_withdrawn=True).set_index("event_id")
        for eid in {r.stream_id for r in log if r.position <= p and r.stream_type == "loss_event"}:
            state = replay(
                eid,
                [
                    fact_from(r.event_type, r.payload)
                    for r in log
                    if r.stream_id == eid and r.position <= p
                ],
            )
            row = frame.loc[eid]
            assert (row.event_type, row.business_line, row.status, row.title) == (
                state.event_type,
                state.business_line,
                state.status,
                state.title,
            )
            assert round(row.gross_loss, 2) == round(float(state.gross_loss), 2)
            assert round(row.net_loss, 2) == round(float(state.net_loss), 2)
