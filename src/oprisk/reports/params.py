"""What an export depends on: the framework, the templates and formats asked for, and every
parameter (all recorded in the manifest, so ``--verify`` re-runs the export exactly)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from oprisk.capital.profiles import DEFAULT_THRESHOLD
from oprisk.errors import ConfigurationError, invalid

from .table import Period

#: The first reference date of the CRR3 templates (framework 4.2): 30 June 2026 — the taxonomy's
#: module is valid from 31 March 2026, the first mandatory reporting was moved to 30 June 2026
#: (Reg. (EU) 2025/2475, reference §6.5). ``--framework`` defaults to 4.2 from this date on.
CRR3_REFERENCE_DATE = date(2026, 6, 30)
MODULE_FROM = date(2026, 3, 31)
TEMPLATES = {
    "legacy": ("c16", "c17.01", "c17.02", "or1", "or2", "or3"),
    "4.2": ("c16.01", "c16.02", "c16.03", "c16.04", "c17.01", "c17.02", "or1", "or2", "or3"),
}
#: EBA 4.2 templates (filing indicators) → their tables
EBA_TABLES = {
    "c16.01": ("c_16.01.a", "c_16.01.b"),
    "c16.02": ("c_16.02",),
    "c16.03": ("c_16.03",),
    "c16.04": ("c_16.04",),
    "c17.01": ("c_17.01.a", "c_17.01.b"),
    "c17.02": ("c_17.02",),
}
FORMATS = ("xlsx", "csv", "json", "xbrl-csv")
LEI = re.compile(r"^[0-9A-Z]{18}[0-9]{2}$")


def framework_for(period: Period, asked: str | None) -> str:
    """The framework asked for, or the one the period's end date calls for. 4.2 may be asked
    for an earlier period (a parallel run): :func:`framework_note` says it is not for submission."""
    if asked in (None, "", "default"):
        return "4.2" if period.end >= CRR3_REFERENCE_DATE else "legacy"
    name = {"3": "legacy", "3.x": "legacy", "legacy": "legacy", "4.2": "4.2"}.get(str(asked))
    if name is None:
        raise ConfigurationError(invalid("framework", asked, "must be 4.2 or legacy"))
    return name


def framework_note(period: Period, framework: str) -> str | None:
    """Why a 4.2 export for an earlier reference date is not for submission (None if it is)."""
    if framework == "4.2" and period.end < MODULE_FROM:
        return (
            f"the 4.2 module applies from reference date {MODULE_FROM.isoformat()}; this export "
            f"for {period.end.isoformat()} is for testing and comparison, not for submission"
        )
    return None


def templates_from(names: str | Iterable[str], framework: str = "legacy") -> list[str]:
    items = [names] if isinstance(names, str) else list(names)
    known = TEMPLATES[framework]
    out: list[str] = []
    for raw in items:
        for name in str(raw).replace(",", " ").split():
            key = name.strip().lower().replace("c17_", "c17.").replace("_", ".")
            key = key.replace("c16.00", "c16") if framework == "legacy" else key
            picked = list(known) if key == "all" else [key]
            for k in picked:
                if k not in known:
                    raise ConfigurationError(
                        invalid(
                            "template",
                            name,
                            f"must be one of {', '.join(known)} or all (framework {framework})",
                        )
                    )
                if k not in out:
                    out.append(k)
    if not out:
        raise ConfigurationError("no template asked for")
    return [t for t in known if t in out]


def formats_from(fmt: str | Iterable[str]) -> list[str]:
    items = [fmt] if isinstance(fmt, str) else list(fmt)
    asked = {f.strip().lower() for raw in items for f in str(raw).split(",") if f.strip()}
    bad = sorted(asked - set(FORMATS))
    if bad or not asked:
        raise ConfigurationError(invalid("format", fmt, f"must be {', '.join(FORMATS)}"))
    return [f for f in FORMATS if f in asked]


@dataclass(frozen=True)
class Parameters:
    """Every choice an export depends on (recorded in the manifest).

    ``threshold`` and ``sa_threshold`` default to the one loss threshold oprisk uses everywhere,
    EUR 20,000 (OPE25; CRR3 Art 319(1)), in the reporting currency.
    """

    currency: str
    framework: str | None = None  # legacy | 4.2; None: from the period
    threshold: Decimal = DEFAULT_THRESHOLD  # C 17.01 data-collection threshold
    large_loss: Decimal = Decimal(100_000)  # C 17.02 threshold
    include_credit_boundary: bool = False  # C 17: credit-risk boundary losses
    approach: str = "tsa"  # legacy C 16.00: bia | tsa | asa
    profile: str = "basel"  # OR1-OR3: jurisdiction profile
    sa_threshold: Decimal = DEFAULT_THRESHOLD  # OR1 row 13 / OR3 / C 16 (4.2): loss threshold
    legal_entity: str | None = None  # C 16 / OR: the entity of the financial inputs
    entity: str | None = None  # xBRL-CSV: the reporting entity's LEI
    basis: str = "consolidated"  # xBRL-CSV: consolidated (.CON) or individual (.IND)
    country: str | None = None  # xBRL-CSV file name: the competent authority's country
    subsidiaries: tuple[tuple[str, str], ...] = ()  # C 16.04: Art 314(3) entities and LEIs
    art316_waiver: bool = False  # CRR3 Art 316(2) waiver held
    fc_approach: str = "accounting"  # C 16.01.b: accounting | prudential

    def __post_init__(self) -> None:
        for name in ("threshold", "large_loss", "sa_threshold"):
            value = getattr(self, name)
            try:
                d = Decimal(str(value))
            except ArithmeticError:
                raise ConfigurationError(invalid(name, value, "must be a number")) from None
            if not d.is_finite() or d < 0:
                raise ConfigurationError(invalid(name, value, "must be a number ≥ 0"))
            object.__setattr__(self, name, d)
        if self.approach not in ("bia", "tsa", "asa"):
            raise ConfigurationError(invalid("approach", self.approach, "must be bia, tsa or asa"))
        if self.basis not in ("consolidated", "individual"):
            raise ConfigurationError(
                invalid("basis", self.basis, "must be consolidated or individual")
            )
        if self.fc_approach not in ("accounting", "prudential"):
            raise ConfigurationError(
                invalid("fc_approach", self.fc_approach, "must be accounting or prudential")
            )
        subs = self.subsidiaries
        pairs = sorted(subs.items() if isinstance(subs, dict) else (tuple(p) for p in subs))
        object.__setattr__(self, "subsidiaries", tuple((str(n), str(lei)) for n, lei in pairs))
        for name, lei in (("entity", self.entity), *(("subsidiaries", v) for _, v in pairs)):
            if lei is not None and not LEI.match(str(lei)):
                raise ConfigurationError(
                    invalid(name, lei, "must be a 20-character LEI (ISO 17442)")
                )
        if self.country is not None and not re.fullmatch(r"[A-Z]{2}", self.country):
            raise ConfigurationError(
                invalid("country", self.country, "must be an ISO 3166-1 alpha-2 code")
            )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = (
                format(v, "f")
                if isinstance(v, Decimal)
                else dict(v)
                if f.name == "subsidiaries"
                else v
            )
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Parameters:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
