"""EU CRR3 rules around the standardised approach (Reg. (EU) 2024/1623, Part Three Title III).

- **Art 312**: the own funds requirement is the BIC (the ILM is 1: profile ``eu-crr3``).
- **Art 314(3)**: the ILDC of subsidiaries named under Art 314(3) is computed for each of them
  separately and added to the ILDC of the rest of the group (:func:`ildc_split`; reported in
  COREP C 16.01 rows 0040 / 0050 / 0100 and C 16.04). *Our reading of the article from the
  template structure; the article text is unconfirmed in the reference pack.*
- **Art 315(2) / 321**: BI adjustments for acquired and disposed entities or activities are
  recorded as dated financial facts (``adjustment_acquisition_*`` / ``adjustment_disposal_*``)
  and reported; the component values already include them.
- **Art 316**: an institution with a BI of at least EUR 750m calculates the annual operational
  risk loss; the competent authority may waive it for a BI up to EUR 1bn (:func:`art316`).
- **Art 318**: net loss = gross loss − recoveries; a recovery counts once received (the ledger's
  ``received`` flag), insurance and other recoveries apart.
- **Art 320**: an exclusion from the loss data set needs the competent authority's permission
  (its reference is recorded with the exclusion) and either an aggregated net loss of at least
  10 % of the average annual operational risk loss or a divested activity (:func:`art320`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from oprisk.errors import CapitalError, ConfigurationError, invalid

from .profiles import Profile, in_currency
from .results import CONTEXT, CapitalResult, avg

#: Cap on the interest component [CRR3 Art 314(2)].
CAP_RATE = Decimal("0.0225")
#: Art 320(1): an excluded event's aggregated net loss is at least 10 % of the average annual loss.
EXCLUSION_SHARE = Decimal("0.10")


@dataclass(frozen=True)
class SubsidiaryILDC:
    """One Art 314(3) subsidiary: its ILDC from its own items (C 16.04 columns 0030–0060)."""

    legal_entity: str
    lei: str | None
    ic: Decimal  # average |interest income − interest expense|
    ac: Decimal  # average asset component (interest-earning assets)
    dc: Decimal  # average dividend income
    ildc: Decimal  # min(IC, 2.25 % × AC) + DC


@dataclass(frozen=True)
class ILDCSplit(CapitalResult):
    """The group's ILDC with its Art 314(3) subsidiaries computed separately."""

    including: Decimal  # memorandum: the whole group's items in one ILDC (C 16.01 r0100)
    excluding: Decimal  # the group without the subsidiaries (r0040)
    subsidiaries: tuple[SubsidiaryILDC, ...]  # C 16.04
    subsidiaries_ildc: Decimal  # r0050
    ildc: Decimal  # r0030 = r0040 + r0050

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        rows: list[tuple[str, Any, int | None, str]] = [
            ("ILDC, group incl. Art 314(3) entities (memo)", self.including, 2, "CRR3 Art 314(2)"),
            ("ILDC, group excl. Art 314(3) entities", self.excluding, 2, "CRR3 Art 314(3)"),
        ]
        rows += [
            (f"ILDC {s.legal_entity}", s.ildc, 2, "CRR3 Art 314(3)") for s in self.subsidiaries
        ]
        return [*rows, ("ILDC", self.ildc, 2, "CRR3 Art 314(3)")]


def _ildc(ic: Decimal, ac: Decimal, dc: Decimal) -> Decimal:
    return min(ic, CONTEXT.multiply(CAP_RATE, ac)) + dc


def ildc_split(
    group: Any, subsidiaries: Mapping[str, Any], leis: Mapping[str, str | None] | None = None
) -> ILDCSplit:
    """Art 314(3): ILDC = ILDC(group without the subsidiaries) + Σ ILDC(subsidiary).

    ``group`` and each subsidiary are :class:`~oprisk.capital.BusinessIndicatorResult` s of the
    same three years. The group's items include the subsidiaries'; the group without them is the
    year-by-year difference of interest income, interest expense, interest-earning assets and
    dividend income (a subsidiary item larger than the group's is an error).
    """
    items = ("interest_income", "interest_expense", "interest_earning_assets", "dividend_income")
    subs = []
    rest = {y.year: {i: getattr(y, i) for i in items} for y in group.yearly}
    for name, r in sorted(subsidiaries.items()):
        if r.years != group.years:
            raise CapitalError(invalid(f"subsidiaries[{name}]", r.years, f"must be {group.years}"))
        for y in r.yearly:
            for i in items:
                rest[y.year][i] -= getattr(y, i)
                if rest[y.year][i] < 0:
                    raise CapitalError(
                        invalid(
                            f"{i}[{y.year}]",
                            getattr(y, i),
                            f"subsidiary {name!r} exceeds the group's figure: the group's items "
                            "must include its Art 314(3) subsidiaries",
                        )
                    )
        ic, ac, dc = r.avg_abs_net_interest, r.avg_interest_earning_assets, r.avg_dividend_income
        subs.append(SubsidiaryILDC(name, (leis or {}).get(name), ic, ac, dc, _ildc(ic, ac, dc)))
    years = sorted(rest)
    ic = avg([abs(rest[y]["interest_income"] - rest[y]["interest_expense"]) for y in years])
    excluding = _ildc(
        ic,
        avg([rest[y]["interest_earning_assets"] for y in years]),
        avg([rest[y]["dividend_income"] for y in years]),
    )
    total = sum((s.ildc for s in subs), Decimal(0))
    return ILDCSplit(
        including=group.ildc,
        excluding=excluding,
        subsidiaries=tuple(subs),
        subsidiaries_ildc=total,
        ildc=excluding + total,
    )


@dataclass(frozen=True)
class Art316:
    """Whether the annual operational risk loss must be calculated (CRR3 Art 316)."""

    required: bool
    reason: str


def art316(bi: Decimal, profile: Profile, currency: str, fx_rate: Any, waiver: bool) -> Art316:
    """CRR3 Art 316 for a BI of ``bi`` whole units of ``currency``.

    Required from a BI of ``profile.loss_calculation_bi`` (EUR 750m) unless ``waiver`` (a
    permission the institution holds), which is only possible up to
    ``profile.loss_calculation_waiver_bi`` (EUR 1bn); a waiver claimed above that is an error.
    """
    if profile.loss_calculation_bi is None:
        return Art316(True, f"profile {profile.name!r} has no Art 316 threshold")
    low = in_currency(profile.loss_calculation_bi, profile, currency, fx_rate, "Art 316 limits")
    high = in_currency(
        profile.loss_calculation_waiver_bi or profile.loss_calculation_bi,
        profile,
        currency,
        fx_rate,
        "Art 316 limits",
    )
    if bi < low:
        return Art316(False, f"BI {bi:,.2f} < {low:,f} {currency} (CRR3 Art 316(1))")
    if waiver:
        if bi > high:
            raise ConfigurationError(
                invalid(
                    "art316_waiver",
                    True,
                    f"a waiver is possible only up to a BI of {high:,f} {currency}; "
                    f"the BI is {bi:,.2f} (CRR3 Art 316(2))",
                )
            )
        return Art316(False, f"waived: BI {bi:,.2f} ≤ {high:,f} {currency} (CRR3 Art 316(2))")
    return Art316(True, f"BI {bi:,.2f} ≥ {low:,f} {currency} (CRR3 Art 316(1))")


@dataclass(frozen=True)
class ExclusionCheck:
    """One excluded loss event checked against CRR3 Art 320(1)."""

    group_id: str
    permission_reference: str | None
    aggregated_net_loss: Decimal
    ten_percent_of_average: Decimal
    materiality_met: bool
    finding: str


def art320(
    excluded: Iterable[tuple[str, str | None, Decimal]], average_annual_loss: Decimal
) -> tuple[ExclusionCheck, ...]:
    """Check each excluded group ``(group id, permission reference, aggregated net loss)``.

    The 10 % condition compares the group's aggregated net loss over the window with the average
    annual loss *including* the excluded events (our reading of Art 320(1)(b) with Art 319(1)).
    A group that fails it is admissible only for a divested activity, which oprisk cannot see
    in the data: the finding says so and the exclusion is kept as approved.
    """
    limit = CONTEXT.multiply(EXCLUSION_SHARE, average_annual_loss)
    out = []
    for gid, reference, amount in excluded:
        met = amount >= limit
        if reference is None:
            finding = "no permission reference recorded (Art 320(1)(a))"
        elif met:
            finding = f"≥ 10 % of the average annual loss: materiality met ({reference})"
        else:
            finding = (
                f"< 10 % of the average annual loss: admissible only for a divested activity "
                f"(Art 320(1)(b)); check permission {reference}"
            )
        out.append(ExclusionCheck(gid, reference, amount, limit, met, finding))
    return tuple(out)
