"""COREP C 16.01–C 16.04 (EBA framework 4.2, CRR3): own funds requirement, the Business
Indicator and its items, operational risk impacts by P&L line, Art 314(3) subsidiaries.

Every capital figure is the capital service's ``sa`` under the ``eu-crr3`` profile at the
export's cut-off (so it equals ``oprisk capital sa --profile eu-crr3``); the yearly items are
the recorded financial facts of the entity for t − 2 … t (``oprisk.domain.financial_items``).

Sign conventions of the EBA labels: an item in parentheses — "(Interest expenses)",
"(Adjustments due to disposal …)" — is reported as a positive amount that reduces the total;
an item marked "(-)" is reported with its sign.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oprisk.errors import ConfigurationError, invalid

from .capital_inputs import CapitalInputs
from .definitions import fill, table_def
from .table import Period, Table, money

#: C 16.01.b r0110: the FC approach members (qx2023 is the prudential boundary approach, the
#: member of C 16.02's "Value - Prudential Boundary Approach" columns; qx2024, the other allowed
#: member, is read as the accounting approach — *unconfirmed* label)
FC_APPROACH = {"prudential": "eba_qAO:qx2023", "accounting": "eba_qAO:qx2024"}
COMPONENTS = ("ildc", "sc", "fc")
AVERAGES = (
    "avg_abs_net_interest",
    "avg_interest_earning_assets",
    "avg_dividend_income",
    "avg_other_operating_income",
    "avg_other_operating_expense",
    "avg_fee_income",
    "avg_fee_expense",
    "avg_abs_pnl_trading_book",
    "avg_abs_pnl_banking_book",
)


def c16_eba(
    inputs: CapitalInputs,
    period: Period,
    *,
    threshold: Decimal | None,
    subsidiaries: dict[str, str | None] | None = None,
    art316_waiver: bool = False,
    fc_approach: str = "accounting",
) -> tuple[list[Table], Any]:
    """C 16.01.a, C 16.01.b, C 16.02, C 16.03 and C 16.04, and the SA run they come from."""
    if fc_approach not in FC_APPROACH:
        raise ConfigurationError(
            invalid("fc_approach", fc_approach, "must be accounting or prudential")
        )
    missing_lei = [name for name, lei in (subsidiaries or {}).items() if not lei]
    if missing_lei:
        raise ConfigurationError(
            invalid("subsidiaries", missing_lei, "C 16.04 needs the LEI of every subsidiary")
        )
    year = period.capital_year
    run = inputs.sa(
        year,
        profile="eu-crr3",
        threshold=threshold,
        subsidiaries=subsidiaries or None,
        art316_waiver=art316_waiver,
        fc_approach=fc_approach,
    )
    r = run.result
    bi = r.business_indicator
    years = {y: y - year for y in bi.years}  # year → offset from t
    items = inputs.financial_items(year, str(run.legal_entity))
    recorded: dict[tuple[str, int], Decimal] = {}
    for y, item, amount in items.itertuples(index=False, name=None):
        recorded[(str(item), years[int(y)])] = amount

    v: dict[str, Any] = {
        "c16.01|own_funds": money(r.orc),
        "c16.01|rea": money(r.rwa),
        "c16.01|bi|value": money(bi.bi),
        "c16.01|ildc|value": money(bi.ildc),
        "c16.01|sc|value": money(bi.sc),
        "c16.01|fc|value": money(bi.fc),
        "c16.01|fc_approach": FC_APPROACH[fc_approach],
    }
    split = r.ildc_split
    v["c16.01|ildc_excluding_314_3|value"] = money(split.excluding if split else bi.ildc)
    v["c16.01|ildc_314_3|value"] = money(split.subsidiaries_ildc if split else 0)
    v["c16.01|ildc_including_314_3|value"] = money(split.including if split else bi.ildc)
    for kind in ("acquisition", "disposal"):
        parts = [recorded.get((f"adjustment_{kind}_{c}", 0)) for c in COMPONENTS]
        for c, amount in zip(COMPONENTS, parts, strict=True):
            v[f"c16.01|{c}|{kind}"] = money(amount or 0)
        v[f"c16.01|bi|{kind}"] = money(sum((a or Decimal(0) for a in parts), Decimal(0)))

    for (item, offset), amount in recorded.items():
        v[f"financial|{item}|{offset}"] = money(amount)
    for y in bi.yearly:
        v[f"net_interest|{years[y.year]}"] = money(y.interest_income - y.interest_expense)
        opr = [a for (i, o), a in recorded.items() if o == years[y.year] and i.startswith("opr_")]
        if opr:
            v[f"opr_total|{years[y.year]}"] = money(sum(opr, Decimal(0)))
    for field in AVERAGES:
        v[f"average|{field}"] = money(getattr(bi, field))

    notes = (
        *run.notes,
        f"Year t = {year}; profile eu-crr3 (CRR3 Art 312: own funds requirement = BIC); "
        f"legal entity {run.legal_entity}; FC approach {fc_approach}.",
    )

    def make(code: str, values: Any, keys: dict[str, tuple[str, ...]] | None = None) -> Table:
        return fill(
            table_def(code),
            values,
            period=period,
            cutoff=inputs.cutoff,
            currency=inputs.currency,
            notes=notes,
            keys=keys,
        )

    tables = [make(c, v) for c in ("c_16.01.a", "c_16.01.b", "c_16.02", "c_16.03")]
    rows: dict[str, dict[str, Any]] = {}
    keys: dict[str, tuple[str, ...]] = {}
    for s in split.subsidiaries if split else ():
        lei = str(s.lei)
        rows[lei] = {f"subsidiary|{k}": money(getattr(s, k)) for k in ("ildc", "ic", "ac", "dc")}
        keys[lei] = (s.legal_entity, lei)
    tables.append(make("c_16.04", rows, keys))
    return tables, run
