"""``db.capital``: capital figures computed from the database as known at a knowledge cut-off.

:class:`CapitalService` resolves the knowledge cut-off **once** (a log position and its recorded
time) and reads every input at that position, so a later fact — a late loss, a recovery, a
revised FX rate or financial figure — never changes an answer given for an earlier cut-off. It
then calls the pure functions of :mod:`oprisk.capital` and wraps their result in a
:class:`CapitalRun` that carries the cut-off, the profile and what was left out.

Inputs
------
- **Financials** (``db.financials``): ``gross_income`` by business line (TSA / ASA) or for the
  entity (``business_line`` ``''``, BIA; without an entity total the lines are summed),
  ``loans_and_advances`` by line (ASA: BL3 / BL4), the ten Business Indicator items (SA). Amounts
  are whole units of their currency, which must be the calculation currency (default: the
  database's reporting currency).
- **Losses** (``db.ledger`` / ``db.losses``): one row per event and **accounting year**, the sum of
  the ledger lines' net effect (recoveries count only when received; a receivable has no effect),
  converted to the calculation currency line by line at the rate known at the cut-off for the
  line's accounting date (exact ``Decimal`` arithmetic; a missing rate is a
  :class:`~oprisk.errors.MissingInputError` naming the currency and date). Withdrawn events are
  left out and listed; grouped losses carry their root; exclusions, credit-boundary losses and
  gains are flagged (a flag on the root applies to the whole group).
"""

from __future__ import annotations

import dataclasses
import html
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pandas as pd

from oprisk.capital import (
    BI_ITEMS,
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
from oprisk.capital.results import CONTEXT, CapitalResult
from oprisk.errors import (
    CapitalError,
    ConfigurationError,
    DataQualityWarning,
    MissingInputError,
    invalid,
)
from oprisk.projections.queries import rate_lookup

if TYPE_CHECKING:
    from oprisk.api import AsOf, Database

R = TypeVar("R", bound=CapitalResult)

#: Columns of :meth:`CapitalService.loss_data` (the first eight are what ``loss_component`` reads).
LOSS_DATA_COLUMNS = [
    "event_id",
    "root_event_id",
    "accounting_year",
    "net_loss",
    "excluded",
    "credit_boundary",
    "gain",
    "exclusion_reference",
    "currency",
    "lines",
    "legal_entity",
    "event_type",
    "business_line",
    "market_boundary",
    "legal",
    "near_miss",
    "status",
]
_FLAGS = ("excluded", "credit_boundary", "gain")


def _plain(value: Any) -> Decimal:
    """A stored amount without the trailing zeros a NUMERIC column adds (1000.00000000 → 1000)."""
    d = (value if isinstance(value, Decimal) else Decimal(str(value))).normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"  # 1000000000, not 1E+9
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclasses.dataclass(frozen=True)
class CapitalRun(Generic[R]):
    """A capital result together with the knowledge cut-off and the profile it was computed with.

    ``result`` is the pure result (``BIAResult``, ``TSAResult``, ``ASAResult``, ``SAResult`` or
    ``LossComponentResult``); its attributes are also reachable on the run (``run.capital``,
    ``run.orc``). ``summary()`` / ``to_dict()`` / ``_repr_html_()`` prepend the run's context.
    """

    approach: str
    year: int
    profile: Profile
    legal_entity: str | None
    currency: str
    as_of: str | None
    cutoff_position: int
    cutoff_time: datetime | None
    accounted_until: date | None
    withdrawn_events: tuple[str, ...]
    notes: tuple[str, ...]
    result: R

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "result"), name)

    def _context_rows(self) -> list[tuple[str, Any, str]]:
        time = self.cutoff_time.isoformat() if self.cutoff_time else "(empty log)"
        rows: list[tuple[str, Any, str]] = [
            ("approach", self.approach.upper(), ""),
            ("year", self.year, ""),
            ("legal entity", self.legal_entity if self.legal_entity is not None else "(all)", ""),
            (
                "profile",
                self.profile.name,
                self.profile.citation if self.approach in ("sa", "loss_component") else "",
            ),
            ("knowledge cut-off position", self.cutoff_position, f"as of {self.as_of or 'now'}"),
            ("knowledge cut-off time", time, "recorded time of that position"),
        ]
        if self.accounted_until is not None:
            rows.append(("accounted until", self.accounted_until.isoformat(), "accounting date"))
            rows.append(
                (
                    "withdrawn events left out",
                    len(self.withdrawn_events),
                    ", ".join(self.withdrawn_events),
                )
            )
        rows += [("note", n, "") for n in self.notes]
        return rows

    def summary(self) -> pd.DataFrame:
        """The run's context (cut-off, profile …) followed by the result's summary."""
        head = pd.DataFrame(self._context_rows(), columns=["item", "value", "reference"])
        body = self.result.summary().reset_index()
        frame = pd.concat([head, body], ignore_index=True).set_index("item")
        frame.attrs["result"] = type(self.result).__name__
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Every intermediate figure at full precision plus the cut-off and the profile (JSON-ready)."""
        return {
            "approach": self.approach,
            "year": self.year,
            "legal_entity": self.legal_entity,
            "currency": self.currency,
            "knowledge_cutoff": {
                "as_of": self.as_of,
                "position": self.cutoff_position,
                "time": self.cutoff_time.isoformat() if self.cutoff_time else None,
            },
            "accounted_until": self.accounted_until.isoformat() if self.accounted_until else None,
            "profile": _jsonable(self.profile),
            "withdrawn_events": list(self.withdrawn_events),
            "notes": list(self.notes),
            "result": self.result.to_dict(),
        }

    def _repr_html_(self) -> str:
        head = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v, _ in self._context_rows()
        )
        return f"<table>{head}</table>" + self.result._repr_html_()


@dataclasses.dataclass(frozen=True)
class _Cutoff:
    position: int
    time: datetime | None
    as_of: str | None

    def where(self) -> str:
        return f"as known at position {self.position}"


@contextmanager
def _context(prefix: str) -> Iterator[None]:
    """Prefix a missing-input message with where the input was looked for."""
    try:
        yield
    except MissingInputError as err:
        raise MissingInputError(f"{prefix}: {err}") from err


class CapitalService:
    """Capital from the database as known at a knowledge cut-off (``db.capital``).

    Every method takes ``year`` (the last year t; losses accounted up to 31 December of t),
    ``as_of`` (the knowledge cut-off: a position, a timestamp, a date meaning the end of that day
    in UTC, or ``None`` for now), ``legal_entity`` (required when the financials cover several)
    and ``currency`` (default: the database's reporting currency).
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def __repr__(self) -> str:
        return f"<CapitalService on {self.db!r}>"

    def lda(self, year: int, **kwargs: Any) -> Any:
        """Loss Distribution Approach per unit of measure and across units; see :func:`oprisk.services.lda.lda`."""
        from oprisk.services.lda import lda

        return lda(self.db, year, **kwargs)

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
        entity, fin = self._financials(
            cut, year, legal_entity, cur, {"gross_income"}, "gross income"
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
        with _context(self._where(entity, year, cut)):
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
        entity, fin = self._financials(
            cut, year, legal_entity, cur, {"gross_income"}, "gross income"
        )
        gi = self._by_line(fin, "gross_income")
        if gi is None:
            raise MissingInputError(
                f"{self._where(entity, year, cut)}: no gross income by business line recorded "
                "(only entity totals, which serve the BIA)"
            )
        with _context(self._where(entity, year, cut)):
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
        entity, fin = self._financials(
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
                f"{self._where(entity, year, cut)}: no loans and advances recorded (the ASA needs "
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
        la = self._by_line(la_rows, "loans_and_advances")
        gi = self._by_line(fin[fin["item"] == "gross_income"], "gross_income")
        notes = (
            ()
            if gi is not None
            else ("no gross income by business line: retail and commercial banking only",)
        )
        with _context(self._where(entity, year, cut)):
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

    def sa(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        profile: Profile | str,
        threshold: Decimal | int | str,
        bi_unit: Decimal | int | str = 1,
        legal_entity: str | None = None,
        currency: str | None = None,
        years_of_data: int | None = None,
        loss_data_standards_met: bool = True,
        allow_any_threshold: bool = False,
    ) -> CapitalRun[SAResult]:
        """Basel III SA: BI from the recorded BI items of ``year − 2 … year``, LC from the losses
        accounted in the ``profile.loss_years`` (10) years up to 31 December ``year``.

        ``bi_unit`` only chooses the unit the figures are shown in (``Decimal("1e6")`` for
        millions): the stored amounts are whole currency units and are divided by it, so the
        buckets and the LC are always applied at the right scale.
        """
        cut, prof, cur = self._cutoff(as_of), get_profile(profile), self._currency(currency)
        unit = self._unit(bi_unit)
        entity, items = self._bi_items(cut, year, legal_entity, cur, unit)
        losses, withdrawn, notes = self._loss_rows(cut, year, prof.loss_years, legal_entity, cur)
        others = sorted(set(losses.legal_entity) - {entity, ""}) if legal_entity is None else []
        if others:
            notes += (
                f"losses of every legal entity are included ({', '.join(map(repr, others))} "
                f"besides {entity!r}): pass legal_entity= to restrict them",
            )
        with _context(self._where(entity, year, cut)):
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
            )
        return self._run(
            "sa", year, prof, entity, cur, cut, date(year, 12, 31), withdrawn, notes, result
        )

    def loss_component(
        self,
        year: int,
        *,
        as_of: AsOf = None,
        threshold: Decimal | int | str,
        profile: Profile | str = "basel",
        legal_entity: str | None = None,
        currency: str | None = None,
        years_of_data: int | None = None,
        allow_any_threshold: bool = False,
    ) -> CapitalRun[LossComponentResult]:
        """LC = 15 × average annual net loss over the window ending ``year`` (whole currency units)."""
        cut, prof, cur = self._cutoff(as_of), get_profile(profile), self._currency(currency)
        losses, withdrawn, notes = self._loss_rows(cut, year, prof.loss_years, legal_entity, cur)
        result = _loss_component(
            losses,
            threshold=threshold,
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
        ending ``year``, net loss in ``currency``; ``attrs`` carry the cut-off and the withdrawn
        events left out."""
        cut, cur = self._cutoff(as_of), self._currency(currency)
        frame, withdrawn, notes = self._loss_rows(cut, year, years, legal_entity, cur)
        frame.attrs.update(
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

    def _cutoff(self, as_of: AsOf) -> _Cutoff:
        position, time = self.db.cutoff(as_of)
        asked = as_of.isoformat() if isinstance(as_of, date | datetime) else as_of
        return _Cutoff(position, time, None if asked is None else str(asked))

    def _currency(self, currency: str | None) -> str:
        from oprisk.domain.money import currency_code

        return currency_code(currency or self.db.reporting_currency, "currency")

    @staticmethod
    def _unit(bi_unit: Decimal | int | str) -> Decimal:
        try:
            unit = Decimal(str(bi_unit))
        except ArithmeticError:
            raise CapitalError(invalid("bi_unit", bi_unit, "must be a number > 0")) from None
        if not unit.is_finite() or unit <= 0:
            raise CapitalError(invalid("bi_unit", bi_unit, "must be a number > 0"))
        return unit

    @staticmethod
    def _where(entity: str | None, year: int, cut: _Cutoff) -> str:
        who = f"legal entity {entity!r}, " if entity is not None else ""
        return f"{who}year {year}, {cut.where()}"

    def _run(
        self,
        approach: str,
        year: int,
        prof: Profile,
        entity: str | None,
        cur: str,
        cut: _Cutoff,
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

    def _financials(
        self,
        cut: _Cutoff,
        year: int,
        legal_entity: str | None,
        currency: str,
        items: set[str],
        what: str,
    ) -> tuple[str, pd.DataFrame]:
        """The financial rows of ``items`` for ``year − 2 … year`` of one legal entity."""
        fin = self.db.financials(cut.position)
        fin = fin[fin["item"].isin(items)] if len(fin) else fin
        if legal_entity is None:
            entities = sorted(set(fin.legal_entity)) if len(fin) else []
            if len(entities) > 1:
                raise ConfigurationError(
                    invalid(
                        "legal_entity",
                        None,
                        f"{what} is recorded for several legal entities ({', '.join(map(repr, entities))}): choose one",
                    )
                )
            if not entities:
                raise MissingInputError(f"year {year}, {cut.where()}: no {what} recorded")
            legal_entity = entities[0]
        rows = (
            fin[(fin.legal_entity == legal_entity) & fin.year.between(year - 2, year)]
            if len(fin)
            else fin
        )
        if rows.empty:
            raise MissingInputError(
                f"{self._where(legal_entity, year, cut)}: no {what} recorded for {year - 2}–{year}"
            )
        wrong = rows[rows.currency != currency]
        if len(wrong):
            r = wrong.iloc[0]
            raise CapitalError(
                invalid(
                    f"{r['item']}[{r.year}]",
                    f"{r.amount} {r.currency}",
                    f"{legal_entity!r}: financial inputs must be in {currency}, the calculation currency "
                    "(pass currency= or record them in it)",
                )
            )
        rows = rows.copy()
        rows["amount"] = [_plain(a) for a in rows.amount]
        return legal_entity, rows.reset_index(drop=True)

    @staticmethod
    def _by_line(fin: pd.DataFrame, item: str) -> pd.DataFrame | None:
        """Long frame ``year`` / ``business_line`` / ``item`` of the per-line rows (None if none)."""
        rows = fin[(fin["item"] == item) & (fin.business_line != "")]
        if rows.empty:
            return None
        return rows.rename(columns={"amount": item})[["year", "business_line", item]].reset_index(
            drop=True
        )

    def _bi_items(
        self, cut: _Cutoff, year: int, legal_entity: str | None, currency: str, unit: Decimal
    ) -> tuple[str, pd.DataFrame]:
        entity, fin = self._financials(
            cut, year, legal_entity, currency, set(BI_ITEMS), "Business Indicator items"
        )
        # the entity-wide figure of an item; without one, the item's per-line figures summed
        entity_wide: dict[tuple[int, str], Decimal] = {}
        by_line: dict[tuple[int, str], Decimal] = {}
        for y, item, bl, amount in fin[["year", "item", "business_line", "amount"]].itertuples(
            index=False, name=None
        ):
            target = entity_wide if bl == "" else by_line
            target[(int(y), str(item))] = target.get((int(y), str(item)), Decimal(0)) + amount
        summed = {**by_line, **entity_wide}
        frame = pd.DataFrame(
            [(y, i, CONTEXT.divide(a, unit)) for (y, i), a in sorted(summed.items())],
            columns=["year", "item", "amount"],
        )
        return entity, frame

    def _loss_rows(
        self, cut: _Cutoff, year: int, years: int, legal_entity: str | None, currency: str
    ) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
        """Net loss per (event, accounting year) in the window, in ``currency``, at the cut-off."""
        first, until = date(year - years + 1, 1, 1), date(year, 12, 31)
        events = self.db.losses(cut.position, include_withdrawn=True)
        notes: list[str] = []
        if len(events):
            events = events.assign(
                root_event_id=events.root_event_id.astype(object).where(
                    events.root_event_id.notna(), None
                )
            )
        by_id = events.set_index("event_id") if len(events) else events
        withdrawn_ids = set(events.event_id[events.status == "withdrawn"]) if len(events) else set()
        kept = events[events.status != "withdrawn"] if len(events) else events
        if legal_entity is not None and len(kept):
            unassigned = int((kept.legal_entity == "").sum()) if legal_entity != "" else 0
            kept = kept[kept.legal_entity == legal_entity]
            if unassigned:
                notes.append(
                    f"{unassigned} loss event(s) with no legal entity left out "
                    f"(only {legal_entity!r} is included)"
                )

        lines = self.db.ledger(cut.position, accounted_until=until)
        if len(lines):
            lines = lines[lines.accounted_on >= first]
        withdrawn = tuple(sorted(withdrawn_ids & set(lines.event_id))) if len(lines) else ()
        keep_ids = set(kept.event_id) if len(kept) else set()
        lines = lines[lines.event_id.isin(keep_ids)] if len(lines) else lines

        amounts = self._convert(lines, cut, currency) if len(lines) else []
        summed: dict[tuple[str, int], list[Any]] = {}
        for (eid, accounted_on), amount in zip(
            lines[["event_id", "accounted_on"]].itertuples(index=False, name=None)
            if len(lines)
            else [],
            amounts,
            strict=True,
        ):
            entry = summed.setdefault((eid, accounted_on.year), [Decimal(0), 0])
            entry[0] += amount
            entry[1] += 1

        out = []
        for (eid, y), (amount, n) in sorted(summed.items()):
            ev = by_id.loc[eid]
            flags = {f: bool(ev[f]) for f in _FLAGS}
            reference = _text(ev.exclusion_reference)
            root = ev.root_event_id
            seen = {eid}
            while root is not None and root in by_id.index and root not in seen:
                seen.add(
                    root
                )  # a flag on the root applies to the whole group, wherever the root is
                parent = by_id.loc[root]
                if parent.status != "withdrawn":
                    flags = {f: flags[f] or bool(parent[f]) for f in _FLAGS}
                    reference = reference or _text(parent.exclusion_reference)
                root = parent.root_event_id
            out.append(
                {
                    "event_id": eid,
                    "root_event_id": ev.root_event_id,
                    "accounting_year": y,
                    "net_loss": _plain(amount),
                    **flags,
                    "exclusion_reference": reference,
                    "currency": currency,
                    "lines": n,
                    "legal_entity": ev.legal_entity,
                    "event_type": str(ev.event_type),
                    "business_line": str(ev.business_line),
                    "market_boundary": bool(ev.market_boundary),
                    "legal": bool(ev.legal),
                    "near_miss": bool(ev.near_miss),
                    "status": ev.status,
                }
            )
        frame = pd.DataFrame(out, columns=LOSS_DATA_COLUMNS)
        return frame, withdrawn, tuple(notes)

    def _convert(self, lines: pd.DataFrame, cut: _Cutoff, currency: str) -> list[Decimal]:
        """Each line's net effect in ``currency`` at the rate known at the cut-off for its
        accounting date, exactly (the ledger's float ``*_reporting`` columns are not used)."""
        fx = self.db.fx_rates(cut.position)
        rates: dict[tuple[str, date], Decimal | None] = {}
        out: list[Decimal] = []
        missing: dict[tuple[str, date], set[str]] = {}
        for eid, cur, on, net in lines[
            ["event_id", "currency", "accounted_on", "net_effect"]
        ].itertuples(index=False, name=None):
            net = Decimal(net)
            if net == 0 or cur == currency:
                out.append(net)
                continue
            if (cur, on) not in rates:
                rates[(cur, on)] = rate_lookup(fx, cur, currency, on) if len(fx) else None
            rate = rates[(cur, on)]
            if rate is None:
                missing.setdefault((cur, on), set()).add(eid)
                out.append(Decimal(0))
            else:
                out.append(CONTEXT.multiply(net, rate))
        if missing:
            shown = [
                f"{cur}→{currency} on or before {on.isoformat()} (event {', '.join(sorted(ids))})"
                for (cur, on), ids in sorted(missing.items())[:5]
            ]
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise MissingInputError(
                f"no FX rate {cut.where()} for "
                + "; ".join(shown)
                + more
                + ": record it with db.record_fx_rate(currency, date, rate)"
            )
        return out
