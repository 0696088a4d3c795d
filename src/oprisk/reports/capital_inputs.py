"""The one adapter between the report builders and the capital module.

Every capital figure in C 16.00 and OR1–OR3 comes from the capital service
(:class:`oprisk.services.capital.CapitalService`), called with the export's knowledge cut-off as a log position so
that the inputs (financials, losses, FX) are read exactly where the C 17 tables read theirs. Swap
this module to feed the builders from elsewhere; nothing else in :mod:`oprisk.reports` touches the
capital service.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from oprisk.capital import get_profile
from oprisk.errors import ReportError

from .annual_losses import AnnualLosses, annual_losses
from .table import Cutoff

if TYPE_CHECKING:
    from oprisk.services.capital import CapitalRun, CapitalService


@dataclasses.dataclass(frozen=True)
class CapitalInputs:
    capital: CapitalService
    cutoff: Cutoff
    currency: str
    legal_entity: str | None = None
    #: the runs already made for this export: OR1, OR2 and OR3 share one SA run
    runs: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def _checked(self, run: CapitalRun[Any]) -> CapitalRun[Any]:
        if run.cutoff_position != self.cutoff.position:
            raise ReportError(
                f"the capital service answered at position {run.cutoff_position}, "
                f"not at the export's cut-off {self.cutoff.position}"
            )
        return run

    def basel2(self, approach: str, year: int, **options: Any) -> CapitalRun[Any]:
        cap = self.capital
        methods: dict[str, Callable[..., CapitalRun[Any]]] = {
            "bia": cap.bia,
            "tsa": cap.tsa,
            "asa": cap.asa,
        }
        fn = methods[approach]
        return self._checked(
            fn(
                year,
                as_of=self.cutoff.position,
                legal_entity=self.legal_entity,
                currency=self.currency,
                **options,
            )
        )

    def sa(
        self, year: int, *, profile: str, threshold: Decimal | None, **options: Any
    ) -> CapitalRun[Any]:
        key = repr(("sa", year, profile, threshold, sorted(options.items())))
        if key not in self.runs:
            self.runs[key] = self._sa(year, profile=profile, threshold=threshold, **options)
        return self.runs[key]

    def _sa(
        self, year: int, *, profile: str, threshold: Decimal | None, **options: Any
    ) -> CapitalRun[Any]:
        return self._checked(
            self.capital.sa(
                year,
                as_of=self.cutoff.position,
                profile=profile,
                threshold=threshold,
                legal_entity=self.legal_entity,
                currency=self.currency,
                **options,
            )
        )

    def financial_items(self, year: int, legal_entity: str) -> pd.DataFrame:
        """Every financial item of ``legal_entity`` for ``year − 2 … year`` (whole units of the
        export's currency), as known at the export's cut-off: columns year / item / amount."""
        from oprisk.domain.financial_items import FINANCIAL_ITEMS
        from oprisk.services.capital.gather import Cutoff as CapitalCutoff
        from oprisk.services.capital.gather import financials

        cut = CapitalCutoff(self.cutoff.position, self.cutoff.time, None)
        _, rows = financials(
            self.capital.queries,
            cut,
            year,
            legal_entity,
            self.currency,
            set(FINANCIAL_ITEMS),
            "financial inputs",
        )
        return rows[rows.business_line == ""][["year", "item", "amount"]]

    def annual_losses(
        self, year: int, *, profile: str, thresholds: tuple[Decimal, ...]
    ) -> AnnualLosses:
        """Net loss and number of (root) events per accounting year of the profile's window, at
        each threshold, with approved exclusions applied (``True``) or kept in (``False``; OR1
        rows 1-2 / 6-7): the Loss Component's annual losses (see :mod:`.annual_losses`)."""
        prof = get_profile(profile)
        rows = self.capital.loss_data(
            year,
            as_of=self.cutoff.position,
            legal_entity=self.legal_entity,
            currency=self.currency,
            years=prof.loss_years,
        )
        if rows.attrs.get("cutoff_position") != self.cutoff.position:
            raise ReportError("the loss data were not read at the export's cut-off")
        return annual_losses(rows, year - prof.loss_years + 1, year, thresholds)
