"""The catalogue of financial inputs (``financials.recorded``): one figure per legal entity, year,
item (and business line for the Basel II items).

- Basel II: ``gross_income`` (by business line or entity-wide), ``loans_and_advances`` (BL3 / BL4).
- Basel III / CRR3 Business Indicator: the ten items of OPE10.2 Table 1 / CRR3 Art 314.
- The sub-items of COREP C 16.02 (OPR BIC) that break those items down, and the values of the
  financial component under the prudential boundary approach (``*_prudential``).
- COREP C 16.03 (OPR BD): losses, expenses, provisions and other financial impacts of
  operational risk events by P&L line (``opr_*``).
- CRR3 Art 315 / 321 adjustments of the BI components for acquisitions and disposals of
  entities or activities (``adjustment_*``), each a component-level amount for the year it is
  recorded for; the component values already include them (C 16.01 reports them "of which").

Expenses are positive amounts; only the items marked signed may be negative.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated

from pydantic import AfterValidator

_FC = {
    "net_pnl_trading_book": "Net profit or loss applicable to the trading book",
    "tb_held_for_trading": "Gains or losses on financial assets and liabilities held for trading",
    "tb_hedge_accounting": "Trading book: gains or losses from hedge accounting",
    "tb_exchange_differences": "Trading book: exchange differences",
    "net_pnl_banking_book": "Net profit or loss applicable to the banking book",
    "bb_derecognition": "Gains or losses on derecognition of assets and liabilities not at FVTPL",
    "bb_mandatorily_fv": "Gains or losses on non-trading assets mandatorily at FVTPL",
    "bb_designated_fv": "Gains or losses on assets and liabilities designated at FVTPL",
    "bb_hedge_accounting": "Banking book: gains or losses from hedge accounting",
    "bb_exchange_differences": "Banking book: exchange differences",
}

#: name → (description, may be negative)
ITEMS: MappingProxyType[str, tuple[str, bool]] = MappingProxyType(
    {
        "gross_income": ("Gross income (Basel II relevant indicator)", True),
        "loans_and_advances": ("Loans and advances (ASA, BL3 / BL4)", False),
        # the Business Indicator items [OPE10.2 Table 1; CRR3 Art 314]
        "interest_income": ("Interest income incl. leased assets (C 16.02 r0030)", False),
        "interest_expense": ("Interest expenses incl. leased assets (r0070)", False),
        "interest_earning_assets": ("Asset component: total assets (r0120)", False),
        "dividend_income": ("Dividend income (r0210)", False),
        "fee_income": ("Fee and commission income (r0320)", False),
        "fee_expense": ("Fee and commission expenses (r0350)", False),
        "other_operating_income": ("Other operating income", False),
        "other_operating_expense": ("Other operating expenses", False),
        # C 16.02 sub-items
        "ii_interest": ("Interest income (r0040)", False),
        "ii_lease_income": ("Income from leased assets other than interest income (r0050)", False),
        "ii_lease_profits": ("Profits from leased assets (r0060)", False),
        "ie_interest": ("Interest expenses (r0080)", False),
        "ie_lease_expenses": ("Expenses from operating leased assets (r0090)", False),
        "ie_lease_losses": ("Losses from operating leased assets (r0100)", False),
        "iea_cash": ("Cash balances at central banks and other demand deposits (r0130)", False),
        "iea_debt_securities": ("Debt securities (r0140)", False),
        "iea_loans_and_advances": ("Loans and advances (r0150)", False),
        "iea_derivatives": ("Derivatives (r0160)", False),
        "iea_derivatives_trading": ("Derivatives: trading and economic hedges (r0170)", False),
        "iea_derivatives_hedge": ("Derivatives: hedge accounting (r0180)", False),
        "iea_leased_assets": ("Assets subject to leases (r0190)", False),
        "ooi_ips": ("Other operating income from members of the same IPS (r0230)", False),
        "ooi_held_for_sale": ("Profit from non-current assets held for sale (r0240)", False),
        "ooi_other": ("Other operating income: other (r0250)", False),
        "ooe_ips": ("Other operating expenses from members of the same IPS (r0270)", False),
        "ooe_operational_losses": ("Losses and expenses due to operational risk events (r0280)", False),
        "ooe_held_for_sale": ("Losses from non-current assets held for sale (r0290)", False),
        "ooe_other": ("Other operating expenses: other (r0300)", False),
        "fi_ips": ("Fee and commission income from members of the same IPS (r0330)", False),
        "fe_ips": ("Fee and commission expenses from members of the same IPS (r0360)", False),
        **{k: (v, True) for k, v in _FC.items()},
        **{f"{k}_prudential": (f"{v} (prudential boundary)", True) for k, v in _FC.items()},
        # C 16.03: operational risk impacts by P&L line
        "opr_interest_expenses": ("Operational risk impacts: interest expenses (r0010)", False),
        "opr_other_operating_expenses": ("Operational risk impacts: other operating expenses (r0020)", False),
        "opr_administrative_expenses": ("Operational risk impacts: administrative expenses (r0030)", False),
        "opr_depreciation": ("Operational risk impacts: depreciation (r0040)", False),
        "opr_provisions": ("Operational risk impacts: provisions or (-) reversals (r0050)", True),
        "opr_impairment": ("Operational risk impacts: impairment or (-) reversals (r0060)", True),
        "opr_other": ("Operational risk impacts: other (r0070)", False),
        # CRR3 Art 315 / 321: component-level adjustments for acquisitions and disposals
        **{
            f"adjustment_{kind}_{component}": (
                f"Adjustment of the {component.upper()} due to {kind}s of entities or activities",
                False,
            )
            for kind in ("acquisition", "disposal")
            for component in ("ildc", "sc", "fc")
        },
    }
)  # fmt: skip
FINANCIAL_ITEMS: tuple[str, ...] = tuple(ITEMS)
SIGNED_ITEMS: frozenset[str] = frozenset(k for k, (_, signed) in ITEMS.items() if signed)


def known_item(value: str) -> str:
    """``value`` if it is a catalogued item, else a ``ValueError`` naming it."""
    if value not in ITEMS:
        raise ValueError(
            f"unknown financial item {value!r}: must be one of the items of "
            "oprisk.domain.financial_items (docs/reports.md lists them)"
        )
    return value


FinancialItem = Annotated[str, AfterValidator(known_item)]
