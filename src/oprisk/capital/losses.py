"""The Loss Component (LC) of the Basel III SA: 15 × average annual net loss [OPE25.8].

Pure: the database layer gathers one row per (event, accounting year) as known at a cut-off and
passes them here. Every event is listed with its status so an auditor can trace the figure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from typing import Any, Literal, TypeVar

import pandas as pd

from oprisk.errors import CapitalError, MissingInputError, invalid

from .crr3 import ExclusionCheck, art320
from .loss_groups import INCLUDED, STATUS_NAMES, Blocks, annual_sums, classify, event_blocks
from .loss_rows import REQUIRED_COLUMNS, read_frame
from .results import CONTEXT, CapitalResult, to_decimal, to_year

#: LC = 15 × average annual loss [OPE25.8].
LC_MULTIPLIER = Decimal(15)
#: Thresholds accepted without ``allow_any_threshold`` (EUR; 20,000 *unconfirmed*, 100,000 the
#: bucket 2–3 discretion [EBA Policy Advice 2019 §1.3]).
STANDARD_THRESHOLDS = (Decimal(20000), Decimal(100000))
T = TypeVar("T")
Status = Literal[
    "included", "below-threshold", "excluded", "credit-boundary", "gain", "outside-window"
]


@dataclass(frozen=True)
class AnnualLoss:
    """Net loss of the included events accounted in one year (0 for a year without losses)."""

    year: int
    net_loss: Decimal
    events: int


@dataclass(frozen=True)
class EventLine:
    """One (group, status): the events of a root-event group that share a status, and their sum."""

    group_id: str
    status: str
    event_ids: tuple[str, ...]
    aggregated_net_loss: Decimal
    reason: str
    exclusion_reference: str | None = None


@dataclass(frozen=True)
class Posting:
    """One input row (event, accounting year) with the status it received."""

    event_id: str
    group_id: str
    accounting_year: int
    net_loss: Decimal
    status: str


@dataclass(frozen=True)
class LossComponentResult(CapitalResult):
    """LC with the annual losses, the window and every event's treatment."""

    threshold: Decimal
    unit: Decimal
    currency: str
    first_year: int
    end_year: int
    years: int
    years_of_data: int
    min_years: int
    multiplier: Decimal
    annual_losses: tuple[AnnualLoss, ...]
    total_loss: Decimal
    average_annual_loss: Decimal
    lc: Decimal
    ilm_eligible: bool
    ilm_ineligible_reason: str | None
    events: tuple[EventLine, ...]
    postings: tuple[Posting, ...]
    #: every approved exclusion checked against CRR3 Art 320(1)
    exclusion_checks: tuple[ExclusionCheck, ...] = ()

    def events_frame(self) -> pd.DataFrame:
        """Every group/status line: included, below threshold, excluded, credit boundary, gain."""
        return pd.DataFrame(
            [vars(e) for e in self.events], columns=list(EventLine.__dataclass_fields__)
        )

    def postings_frame(self) -> pd.DataFrame:
        """Every input row with its group and status."""
        return pd.DataFrame(
            [vars(p) for p in self.postings], columns=list(Posting.__dataclass_fields__)
        )

    def annual_frame(self) -> pd.DataFrame:
        """Annual net loss and number of included events per year of the window."""
        return pd.DataFrame([vars(a) for a in self.annual_losses]).set_index("year")

    def count(self, status: str) -> int:
        """Number of groups with a line of the given status."""
        return sum(e.status == status for e in self.events)

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        ref = "OPE25.8; CRR3 Art 316-320"
        rows: list[tuple[str, Any, int | None, str]] = [
            (
                f"threshold ({self.currency})",
                self.threshold,
                2,
                "SAMA §8; EBA Policy Advice 2019 §1.3",
            ),
            ("window", f"{self.first_year}-{self.end_year}", None, ref),
        ]
        rows += [(f"annual loss {a.year}", a.net_loss, 2, ref) for a in self.annual_losses]
        rows += [
            (f"events {s}", self.count(s), None, ref)
            for s in ("included", "below-threshold", "excluded", "credit-boundary", "gain")
        ]
        return [
            *rows,
            ("years of data", self.years_of_data, None, "OPE25.8; SAMA §7.3.3"),
            ("average annual loss", self.average_annual_loss, 2, ref),
            (f"LC ({self.currency} × {self.unit.normalize():f})", self.lc, 2, "OPE25.8"),
            ("ILM may be used", self.ilm_eligible, None, "SAMA §7.3.3"),
            *(
                (f"exclusion {c.group_id}", c.finding, None, "CRR3 Art 320(1)")
                for c in self.exclusion_checks
            ),
        ]


def loss_component(
    losses: pd.DataFrame,
    *,
    threshold: Decimal | int | str,
    end_year: int,
    years: int = 10,
    min_years: int = 5,
    years_of_data: int | None = None,
    unit: Decimal | int | str | None = None,
    allow_any_threshold: bool = False,
    currency: str | None = None,
) -> LossComponentResult:
    """Loss Component LC = 15 × average annual net loss over the window [OPE25.8], [CRR3 Art 316-320].

    Rules, in order:

    1. Losses are grouped by root event: an event's group id is its ``root_event_id`` followed
       to the top, or its own id [CRR3 Art 311a, 317(3)(c)].
    2. Only rows with ``accounting_year`` in the window count (other rows are listed as
       ``outside-window``); the window is the last ``years_of_data`` years up to ``end_year``.
    3. Events flagged ``excluded`` (approved supervisory exclusion [CRR3 Art 320]),
       ``credit_boundary`` (already in credit RWA) or ``gain`` are removed and listed; a flag on
       the root event applies to the whole group.
    4. The threshold is applied to each group's **aggregated net loss** over the window
       (net_loss × unit ≥ threshold): groups below are listed as ``below-threshold``.
    5. Annual loss = Σ net losses of included groups accounted in the year; years without losses
       count as 0. Average = total / ``years_of_data``; LC = 15 × average.

    Parameters
    ----------
    losses
        One row per (event, accounting year) with columns ``event_id``, ``root_event_id`` (null for
        a root / ungrouped event), ``accounting_year`` (int) and ``net_loss`` (net of *received*
        recoveries; a negative posting, e.g. a provision release, is allowed); optional boolean
        columns ``excluded``, ``credit_boundary``, ``gain`` and text ``exclusion_reference``.
        Several rows for the same event and year are summed.
    threshold
        Loss threshold in whole units of the reporting currency: 20000 or 100000 unless
        ``allow_any_threshold`` (e.g. a local-currency conversion). Must be ≥ 0.
    end_year
        Last accounting year of the window (usually the BI year t).
    years
        Length of the full observation window (10 [OPE25.8]).
    min_years
        Fewer years of good-quality data than this (5) and the ILM must not be used: the result
        says so (``ilm_eligible``) and :func:`sa` then uses the BIC only [SAMA §7.3.3].
    years_of_data
        Years of good-quality loss data available (``None`` = ``years``). With fewer than
        ``years`` the window shrinks to the years available and the average is over them.
    unit
        How many currency units one unit of ``net_loss`` is (``Decimal("1e6")`` for millions);
        ``None`` = the frame's ``attrs["unit"]``, else 1 (whole currency units). A ``unit`` that
        contradicts ``attrs["unit"]`` is refused.
    allow_any_threshold
        Accept a threshold other than 20,000 / 100,000.
    currency
        Currency of ``net_loss`` and the threshold; ``None`` = the frame's
        ``attrs["currency"]``, else EUR. One that contradicts ``attrs["currency"]`` is refused.

    Returns
    -------
    LossComponentResult

    Examples
    --------
    >>> df = pd.DataFrame({"event_id": ["a", "a"], "root_event_id": [None, None],
    ...                    "accounting_year": [2023, 2024], "net_loss": [15000, 15000]})
    >>> loss_component(df, threshold=20000, end_year=2024).lc   # 15 × 30,000 / 10
    Decimal('45000')
    """
    thr = to_decimal(threshold, "threshold")
    if thr < 0:
        raise CapitalError(invalid("threshold", threshold, "must be ≥ 0"))
    if not allow_any_threshold and thr not in STANDARD_THRESHOLDS:
        raise CapitalError(
            invalid(
                "threshold",
                threshold,
                "must be 20000 or 100000 (pass allow_any_threshold=True for another)",
            )
        )
    scale, currency = _unit_and_currency(losses, unit, currency)
    if scale <= 0:
        raise CapitalError(invalid("unit", unit, "must be > 0"))
    end = to_year(end_year, "end_year")
    for name, value in (("years", years), ("min_years", min_years)):
        if not isinstance(value, int) or value < 1:
            raise CapitalError(invalid(name, value, "must be a whole number ≥ 1"))
    n_years = years if years_of_data is None else years_of_data
    if not isinstance(n_years, int) or not 1 <= n_years <= years:
        raise CapitalError(
            invalid("years_of_data", years_of_data, f"must be between 1 and {years}")
        )
    if not isinstance(losses, pd.DataFrame):
        raise CapitalError(invalid("losses", type(losses).__name__, "must be a DataFrame"))
    missing = [c for c in REQUIRED_COLUMNS if c not in losses.columns]
    if missing:
        raise MissingInputError(
            invalid("losses", list(losses.columns), f"missing columns {', '.join(missing)}")
        )
    first = end - n_years + 1

    rows = read_frame(losses)
    coded, status, reference, posted = classify(rows, losses, first, end, scale, thr)
    posted_groups = coded.group[posted.event]
    postings = built(
        Posting,
        event_id=coded.ids[posted.event].tolist(),
        group_id=coded.ids[posted_groups].tolist(),
        accounting_year=posted.year.tolist(),
        net_loss=posted.net_loss.tolist(),
        status=STATUS_NAMES[posted.status].tolist(),
    )
    hit = posted.status == INCLUDED
    annual = [
        AnnualLoss(y, a, n)
        for y, a, n in annual_sums(
            posted.year[hit], posted.net_loss[hit], posted_groups[hit], first, end
        )
    ]
    total = sum((a.net_loss for a in annual), Decimal(0))
    average = CONTEXT.divide(total, Decimal(n_years))
    eligible = n_years >= min_years
    events = _event_lines(event_blocks(coded, status, reference, posted))
    return LossComponentResult(
        threshold=thr,
        unit=scale,
        currency=currency,
        first_year=first,
        end_year=end,
        years=years,
        years_of_data=n_years,
        min_years=min_years,
        multiplier=LC_MULTIPLIER,
        annual_losses=tuple(annual),
        total_loss=total,
        average_annual_loss=average,
        lc=CONTEXT.multiply(LC_MULTIPLIER, average),
        ilm_eligible=eligible,
        ilm_ineligible_reason=None
        if eligible
        else f"{n_years} years of good-quality loss data < {min_years}: the ILM must not be used (BIC only)",
        events=events,
        postings=postings,
        exclusion_checks=_exclusion_checks(events, total, n_years, scale, thr),
    )


def _exclusion_checks(
    events: tuple[EventLine, ...], total: Decimal, n_years: int, scale: Decimal, thr: Decimal
) -> tuple[ExclusionCheck, ...]:
    """CRR3 Art 320(1) for every excluded group above the threshold, against the average annual
    loss with those groups counted (the average they would otherwise be part of)."""
    excluded = [
        (e.group_id, e.exclusion_reference, e.aggregated_net_loss)
        for e in events
        if e.status == "excluded" and CONTEXT.multiply(e.aggregated_net_loss, scale) >= thr
    ]
    if not excluded:
        return ()
    with_them = total + sum((amount for _, _, amount in excluded), Decimal(0))
    return art320(excluded, CONTEXT.divide(with_them, Decimal(n_years)))


def _unit_and_currency(losses: Any, unit: Any, currency: str | None) -> tuple[Decimal, str]:
    attrs = losses.attrs if isinstance(losses, pd.DataFrame) else {}
    declared_unit, declared_currency = attrs.get("unit"), attrs.get("currency")
    scale = to_decimal(unit if unit is not None else (declared_unit or 1), "unit")
    if (
        unit is not None
        and declared_unit is not None
        and to_decimal(declared_unit, "unit") != scale
    ):
        raise CapitalError(
            invalid("unit", unit, f"the loss rows say their unit is {declared_unit}")
        )
    if currency is not None and declared_currency is not None and currency != declared_currency:
        raise CapitalError(
            invalid("currency", currency, f"the loss rows are in {declared_currency}")
        )
    return scale, currency or declared_currency or "EUR"


_REASONS = {
    "included": "aggregated net loss over the window ≥ threshold",
    "below-threshold": "aggregated net loss over the window < threshold",
    "excluded": "approved supervisory exclusion (CRR3 Art 320)",
    "credit-boundary": "credit-risk boundary loss, already in credit RWA",
    "gain": "operational risk gain, not a loss",
    "outside-window": "accounted outside the window",
}


def _event_lines(blocks: Blocks) -> tuple[EventLine, ...]:
    groups, statuses, events, amounts, refs = blocks
    return built(
        EventLine,
        group_id=groups,
        status=statuses,
        event_ids=events,
        aggregated_net_loss=amounts,
        reason=list(map(_REASONS.__getitem__, statuses)),
        exclusion_reference=refs,
    )


def built(cls: type[T], **columns: list[Any]) -> tuple[T, ...]:
    """``tuple(map(cls, *columns))`` for a frozen dataclass given every field's column, set
    column by column: a frozen ``__init__`` sets each field of each row through
    ``object.__setattr__`` in Python, which for the hundreds of thousands of postings and
    event lines of a large loss history cost more than the bookkeeping that found them."""
    if list(columns) != list(cls.__dataclass_fields__):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} needs the columns {list(cls.__dataclass_fields__)}")  # type: ignore[attr-defined]
    rows = list(map(object.__new__, repeat(cls, len(next(iter(columns.values()))))))
    for name, values in columns.items():
        deque(map(object.__setattr__, rows, repeat(name), values), maxlen=0)
    return tuple(rows)
