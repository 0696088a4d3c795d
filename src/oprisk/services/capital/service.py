"""``db.capital``: capital figures computed from the database as known at a knowledge cut-off."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from oprisk.capital import (
    ASAResult,
    BIAResult,
    LossComponentResult,
    Profile,
    SAResult,
    TSAResult,
    get_profile,
)
from oprisk.capital import asa as _asa
from oprisk.capital import bia as _bia
from oprisk.capital import loss_component as _loss_component
from oprisk.capital import sa as _sa
from oprisk.capital import tsa as _tsa
from oprisk.capital.profiles import in_currency
from oprisk.capital.results import CapitalResult
from oprisk.errors import CapitalError, DataQualityWarning, MissingInputError, invalid

from .gather import (
    Cutoff,
    bi_items,
    by_line,
    collector_paused,
    context,
    financials,
    profile_rate,
    profile_threshold,
    where,
)
from .loss_data import loss_rows
from .run import CapitalRun

if TYPE_CHECKING:
    from oprisk.ports import AsOf, Queries, Transactions
    from oprisk.projections.capital_reads import LossInputs

R = TypeVar("R", bound=CapitalResult)


class CapitalService:
    """Capital from the database as known at a knowledge cut-off (``db.capital``).

    Every method takes ``year`` (the last year t; losses accounted up to 31 December of t),
    ``as_of`` (the knowledge cut-off: a position, a timestamp, a date meaning the end of that day
    in UTC, or ``None`` for now), ``legal_entity`` (required when the financials cover several)
    and ``currency`` (default: the database's reporting currency).
    """

    def __init__(self, queries: Queries, uow: Transactions | None = None) -> None:
        self.queries = queries
        self.uow = uow
        self._shared: dict[tuple[Any, ...], Any] | None = None

    @contextmanager
    def sharing(self) -> Iterator[None]:
        """Within the block, the loss data read for one cut-off, window, entity and currency
        are read once and shared by every call (an export's templates); each call gets its
        own copy of the frame."""
        outer, self._shared = self._shared, self._shared if self._shared is not None else {}
        try:
            yield
        finally:
            self._shared = outer

    def share_inputs(self, position: int, inputs: LossInputs) -> None:
        """Within :meth:`sharing`, compute the loss data at log position ``position`` from
        ``inputs`` (every line, read at that position by the caller, e.g. an export's C 17 data)
        instead of reading them again."""
        if self._shared is not None:
            self._shared[("inputs", position)] = inputs

    def _loss_rows(
        self, cut: Cutoff, year: int, years: int, legal_entity: str | None, cur: str
    ) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
        if self._shared is None:
            return loss_rows(self.queries, cut, year, years, legal_entity, cur)
        key = (cut.position, year, years, legal_entity, cur)
        if key not in self._shared:
            read = self._shared.get(("inputs", cut.position))
            self._shared[key] = loss_rows(self.queries, cut, year, years, legal_entity, cur, read)
        frame, withdrawn, notes = self._shared[key]
        return frame.copy(), withdrawn, notes

    def __repr__(self) -> str:
        return f"<CapitalService on {self.queries!r}>"

    def lda(self, year: int, **kwargs: Any) -> Any:
        """Loss Distribution Approach per unit of measure and across units; see :func:`oprisk.services.lda.lda`."""
        from oprisk.services.lda import lda

        return lda(self.queries, year, **kwargs)

    def icaap(self, **kwargs: Any) -> Any:
        """ICAAP / Pillar 2: internal losses, external losses, scenarios and control scores in one
        model, stage by stage; see :func:`oprisk.services.icaap.icaap` and ``docs/icaap.md``."""
        from oprisk.services.icaap import icaap

        if self.uow is None:
            raise MissingInputError("the ICAAP run needs the store's unit of work (use db.capital)")
        return icaap(self.queries, self.uow, **kwargs)

    # --- Basel II -----------------------------------------------------------------------------

    def bia(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        legal_entity: str | None = None,
        currency: str | None = None,
        allow_fewer_years: bool = False,
        profile: Profile | str = "basel",
    ) -> CapitalRun[BIAResult]:
        """Basic Indicator Approach from the recorded gross income of ``year − 2 … year``.

        Uses the entity's gross income (``business_line`` ``''``); a year with only per-line
        figures uses their sum (a :class:`DataQualityWarning` if both exist and differ).
        """
        cut, prof, cur = self._cutoff(as_of), get_profile(profile), self._currency(currency)
        entity, fin = financials(
            self.queries, cut, year, legal_entity, cur, {"gross_income"}, "gross income"
        )
        totals: dict[int, Decimal] = {}
        lines: dict[int, Decimal] = {}
        for y, bl, amount in fin[["year", "business_line", "amount"]].itertuples(
            index=False, name=None
        ):
            target = totals if bl == "" else lines
            target[int(y)] = target.get(int(y), Decimal(0)) + amount
        summed: list[str] = []
        gi: dict[int, Decimal] = {}
        for y in sorted(set(totals) | set(lines)):
            if y in totals:
                gi[y] = totals[y]
                if y in lines and lines[y] != totals[y]:
                    warnings.warn(
                        f"gross income {y} of {entity!r}: entity total {totals[y]} ≠ sum of business "
                        f"lines {lines[y]}; the entity total is used",
                        DataQualityWarning,
                        stacklevel=2,
                    )
            else:
                gi[y] = lines[y]
                summed.append(str(y))
        notes = (
            [
                f"gross income {', '.join(summed)}: sum of the business lines (no entity total recorded)"
            ]
            if summed
            else []
        )
        with context(where(entity, year, cut)):
            result = _bia(gi, allow_fewer_years=allow_fewer_years, currency=cur)
        return self._run("bia", year, prof, entity, cur, cut, None, (), tuple(notes), result)

    def tsa(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        legal_entity: str | None = None,
        currency: str | None = None,
        profile: Profile | str = "basel",
        offsetting: Any = "within-year",
    ) -> CapitalRun[TSAResult]:
        """Standardised Approach from the gross income by business line of ``year − 2 … year``."""
        cut, prof, cur = self._cutoff(as_of), get_profile(profile), self._currency(currency)
        entity, fin = financials(
            self.queries, cut, year, legal_entity, cur, {"gross_income"}, "gross income"
        )
        gi = by_line(fin, "gross_income")
        if gi is None:
            raise MissingInputError(
                f"{where(entity, year, cut)}: no gross income by business line recorded "
                "(only entity totals, which serve the BIA)"
            )
        with context(where(entity, year, cut)):
            result = _tsa(gi, offsetting=offsetting, profile=prof, currency=cur)
        return self._run("tsa", year, prof, entity, cur, cut, None, (), (), result)

    def asa(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        legal_entity: str | None = None,
        currency: str | None = None,
        profile: Profile | str = "basel",
        offsetting: Any = "within-year",
        aggregate_rb_cb: bool = False,
        aggregate_other_lines: bool = False,
    ) -> CapitalRun[ASAResult]:
        """Alternative Standardised Approach: loans and advances of BL3 / BL4, gross income of the
        other lines, for ``year − 2 … year``."""
        cut, prof, cur = self._cutoff(as_of), get_profile(profile), self._currency(currency)
        entity, fin = financials(
            self.queries,
            cut,
            year,
            legal_entity,
            cur,
            {"gross_income", "loans_and_advances"},
            "gross income or loans and advances",
        )
        la_rows = fin[fin["item"] == "loans_and_advances"]
        if la_rows.empty:
            raise MissingInputError(
                f"{where(entity, year, cut)}: no loans and advances recorded (the ASA needs "
                "them for BL3 retail and/or BL4 commercial banking)"
            )
        if (la_rows.business_line == "").any():
            raise CapitalError(
                invalid(
                    "loans_and_advances",
                    "entity-wide",
                    f"{entity!r}: record loans and advances by business line (BL3 / BL4)",
                )
            )
        la = by_line(la_rows, "loans_and_advances")
        gi = by_line(fin[fin["item"] == "gross_income"], "gross_income")
        notes = (
            ()
            if gi is not None
            else ("no gross income by business line: retail and commercial banking only",)
        )
        with context(where(entity, year, cut)):
            result = _asa(
                gi,
                la,
                offsetting=offsetting,
                aggregate_rb_cb=aggregate_rb_cb,
                aggregate_other_lines=aggregate_other_lines,
                profile=prof,
                currency=cur,
            )
        return self._run("asa", year, prof, entity, cur, cut, None, (), notes, result)

    # --- Basel III SA -------------------------------------------------------------------------

    @collector_paused
    def sa(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        profile: Profile | str,
        threshold: Decimal | int | str | None = None,
        bi_unit: Decimal | int | str = 1,
        legal_entity: str | None = None,
        currency: str | None = None,
        years_of_data: int | None = None,
        loss_data_standards_met: bool = True,
        allow_any_threshold: bool = False,
        subsidiaries: Mapping[str, str | None] | None = None,
        art316_waiver: bool = False,
        fc_approach: str = "accounting",
    ) -> CapitalRun[SAResult]:
        """Basel III SA: BI from the recorded BI items of ``year − 2 … year``, LC from the losses
        accounted in the ``profile.loss_years`` (10) years up to 31 December ``year``.

        ``bi_unit`` only chooses the unit the figures are shown in (``Decimal("1e6")`` for
        millions): the stored amounts are whole currency units and are divided by it, so the
        buckets and the LC are always applied at the right scale. ``threshold`` is an amount in
        the profile's currency (``None``: the profile's default, EUR 20,000). When the profile's
        currency is not the calculation currency, its amounts are converted at the rate recorded
        for 31 December ``year`` as known at the cut-off; without one the run is refused.
        ``subsidiaries`` (legal entity → LEI) are the CRR3 Art 314(3) subsidiaries whose ILDC is
        computed from their own recorded items; ``art316_waiver`` says the institution holds an
        Art 316(2) waiver; ``fc_approach`` (``accounting`` / ``prudential``) picks the trading
        and banking book values the financial component uses (C 16.01.b).
        """
        cut, prof, cur = self._cutoff(as_of), get_profile(profile), self._currency(currency)
        unit = self._unit(bi_unit)
        fx_rate = profile_rate(self.queries, cut, prof, cur, year)
        entity, items = bi_items(self.queries, cut, year, legal_entity, cur, unit, fc_approach)
        subs = {
            name: bi_items(self.queries, cut, year, name, cur, unit, fc_approach)[1]
            for name in sorted(subsidiaries or {})
        }
        losses, withdrawn, notes = self._loss_rows(cut, year, prof.loss_years, legal_entity, cur)
        others = (
            sorted(set(losses.legal_entity.unique()) - {entity, ""}) if legal_entity is None else []
        )
        if others:
            notes += (
                f"losses of every legal entity are included ({', '.join(map(repr, others))} "
                f"besides {entity!r}): pass legal_entity= to restrict them",
            )
        with context(where(entity, year, cut)):
            result = _sa(
                items,
                losses,
                profile=prof,
                bi_unit=unit,
                threshold=threshold,
                loss_unit=1,
                end_year=year,
                years_of_data=years_of_data,
                loss_data_standards_met=loss_data_standards_met,
                allow_any_threshold=allow_any_threshold,
                currency=cur,
                fx_rate=fx_rate,
                subsidiaries=subs or None,
                subsidiary_leis=dict(subsidiaries or {}),
                art316_waiver=art316_waiver,
            )
        return self._run(
            "sa", year, prof, entity, cur, cut, date(year, 12, 31), withdrawn, notes, result
        )

    @collector_paused
    def loss_component(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        threshold: Decimal | int | str | None = None,
        profile: Profile | str = "basel",
        legal_entity: str | None = None,
        currency: str | None = None,
        years_of_data: int | None = None,
        allow_any_threshold: bool = False,
    ) -> CapitalRun[LossComponentResult]:
        """LC = 15 × average annual net loss over the window ending ``year`` (whole currency units);
        ``threshold`` in the profile's currency, ``None`` = the profile's default (EUR 20,000)."""
        cut, prof, cur = self._cutoff(as_of), get_profile(profile), self._currency(currency)
        losses, withdrawn, notes = self._loss_rows(cut, year, prof.loss_years, legal_entity, cur)
        thr = profile_threshold(prof, threshold)
        if prof.currency != cur:
            thr = in_currency(
                thr, prof, cur, profile_rate(self.queries, cut, prof, cur, year), "loss thresholds"
            )
        result = _loss_component(
            losses,
            threshold=thr,
            end_year=year,
            years=prof.loss_years,
            min_years=prof.min_loss_years,
            years_of_data=years_of_data,
            unit=1,
            allow_any_threshold=allow_any_threshold,
            currency=cur,
        )
        return self._run(
            "loss_component",
            year,
            prof,
            legal_entity,
            cur,
            cut,
            date(year, 12, 31),
            withdrawn,
            notes,
            result,
        )

    @collector_paused
    def loss_data(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        legal_entity: str | None = None,
        currency: str | None = None,
        years: int = 10,
    ) -> pd.DataFrame:
        """The rows fed to ``loss_component``: one per (event, accounting year) in the ``years``
        ending ``year``, net loss in whole units of ``currency``; ``attrs`` carry the currency,
        the unit (1), the cut-off and the withdrawn events left out, so ``capital.sa`` reads the
        unit from the frame instead of assuming the BI's."""
        cut, cur = self._cutoff(as_of), self._currency(currency)
        frame, withdrawn, notes = self._loss_rows(cut, year, years, legal_entity, cur)
        frame.attrs.update(
            unit=1,  # net_loss in whole units of ``currency``
            cutoff_position=cut.position,
            cutoff_time=cut.time,
            currency=cur,
            accounted_until=date(year, 12, 31),
            first_year=year - years + 1,
            withdrawn_events=withdrawn,
            notes=notes,
        )
        return frame

    # --- gathering ----------------------------------------------------------------------------

    def _cutoff(self, as_of: AsOf) -> Cutoff:
        position, time = self.queries.cutoff(as_of)
        asked = as_of.isoformat() if isinstance(as_of, date | datetime) else as_of
        return Cutoff(position, time, None if asked is None else str(asked))

    def _currency(self, currency: str | None) -> str:
        from oprisk.domain.money import currency_code

        return currency_code(currency or self.queries.reporting_currency, "currency")

    @staticmethod
    def _unit(bi_unit: Decimal | int | str) -> Decimal:
        try:
            unit = Decimal(str(bi_unit))
        except ArithmeticError:
            raise CapitalError(invalid("bi_unit", bi_unit, "must be a number > 0")) from None
        if not unit.is_finite() or unit <= 0:
            raise CapitalError(invalid("bi_unit", bi_unit, "must be a number > 0"))
        return unit

    def _run(
        self,
        approach: str,
        year: int,
        prof: Profile,
        entity: str | None,
        cur: str,
        cut: Cutoff,
        until: date | None,
        withdrawn: tuple[str, ...],
        notes: tuple[str, ...],
        result: R,
    ) -> CapitalRun[R]:
        return CapitalRun(
            approach=approach,
            year=year,
            profile=prof,
            legal_entity=entity,
            currency=cur,
            as_of=cut.as_of,
            cutoff_position=cut.position,
            cutoff_time=cut.time,
            accounted_until=until,
            withdrawn_events=withdrawn,
            notes=notes,
            result=result,
        )
