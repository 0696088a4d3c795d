"""Loss figures: one money unit, cut-offs as dates, "no loss" distinct from zero."""

from datetime import UTC, date, datetime

import pytest

mpl = pytest.importorskip("matplotlib")
from oprisk import plots  # noqa: E402


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.fixture
def sqlite_db(tmp_path, clock):
    from oprisk.api import connect

    clock.jump(datetime(2026, 2, 15, 10, 30, tzinfo=UTC))
    db = connect(f"sqlite:///{tmp_path / 'p.db'}", clock=clock)
    for eid, et, bl, amount, on in [
        ("A", "ET2", "BL3", "2500000", date(2023, 3, 1)),
        ("B", "ET7", "BL3", "180000", date(2025, 6, 1)),
        ("C", "ET4", "BL2", "40000", date(2025, 7, 1)),
    ]:
        db.report(eid, actor="a", title=eid, event_type=et, business_line=bl,
                  discovered_on=on, currency="EUR")  # fmt: skip
        db.record_impact(eid, actor="a", amount=amount, currency="EUR", accounted_on=on)
    # C is fully recovered: its cell sums to zero, which is not the same as no loss
    db.record_recovery("C", actor="a", kind="insurance", amount="40000", currency="EUR",
                       accounted_on=date(2025, 8, 1))  # fmt: skip
    yield db
    db.close()


def test_heatmap_tells_no_loss_from_zero_and_dates_its_cutoff(sqlite_db):
    losses = sqlite_db.losses()
    fig = plots.loss_heatmap(losses)
    ax = fig.axes[0]
    texts = _texts(fig)
    assert texts.count("–") == 8 * 7 - 3  # every cell without an event
    assert "0.0" in texts  # C: events whose recoveries offset the loss, shown as 0.0, hatched
    assert any(p.get_hatch() == "///" for p in ax.patches)
    assert "EUR m" in ax.get_title() and "as known at 2026-02-15 10:30 UTC" in ax.get_title()


def test_years_without_a_loss_are_labelled_not_drawn_as_zero(sqlite_db):
    ledger = sqlite_db.ledger().merge(
        sqlite_db.losses()[["event_id", "event_type_l1"]], on="event_id"
    )
    fig = plots.losses_by_year(ledger)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023", "2024", "2025"]
    assert _texts(fig) == ["no loss"]  # 2024
    assert "(EUR m" in ax.get_title() and "EUR m" in ax.get_ylabel()


def test_two_cutoffs_are_named_by_date_in_one_unit(sqlite_db, clock):
    then = sqlite_db.losses()
    clock.jump(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))
    sqlite_db.record_impact("B", actor="a", amount="900000", currency="EUR",
                            accounted_on=date(2025, 12, 1))  # fmt: skip
    fig = plots.compare_cutoffs(then, sqlite_db.losses())
    left, right = fig.axes
    legend = [t.get_text() for t in left.get_legend().get_texts()]
    assert legend[0].startswith("2026-02-15 10:30 UTC") and legend[1].startswith("2026-03-20")
    assert "position" in legend[0]  # the position follows the date, in brackets
    unit = left.get_ylabel().rsplit("(", 1)[1]
    assert right.get_xlabel() == f"change ({unit}"  # both panels in the same unit
