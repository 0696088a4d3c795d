"""Basel III standardised approach: the full chain BI → BIC → LC → ILM → ORC [OPE25], with the
jurisdiction's switches (profiles) and the EU CRR3 rules of :mod:`.crr3`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from oprisk.errors import CapitalError, DataQualityWarning, MissingInputError, invalid

from .crr3 import Art316, ILDCSplit, art316, ildc_split
from .indicator import BICResult, BusinessIndicatorResult, bic, business_indicator
from .internal_loss_multiplier import ILMResult, _lc_in_bi_units, ilm
from .losses import LossComponentResult, loss_component
from .profiles import Profile, get_profile, in_currency
from .results import CONTEXT, RWA_FACTOR, CapitalResult, to_decimal

_ONE = Decimal(1)
__all__ = ["ILMResult", "SAResult", "ilm", "loss_unit_of", "sa"]


@dataclass(frozen=True)
class SAResult(CapitalResult):
    """Basel III SA: ORC = BIC × ILM, RWA = 12.5 × ORC, and which rule set the ILM [OPE25.2]."""

    profile: str
    currency: str
    bi_unit: Decimal
    business_indicator: BusinessIndicatorResult | None
    bi: Decimal
    bic: BICResult
    loss_component: LossComponentResult | None
    lc: Decimal | None
    ilm_formula: ILMResult | None
    ilm: Decimal
    ilm_rule: str
    ilm_reason: str
    loss_data_standards_met: bool
    orc: Decimal
    rwa: Decimal
    #: CRR3 Art 314(3): the ILDC with subsidiaries computed separately (the BI uses its total)
    ildc_split: ILDCSplit | None = None
    #: CRR3 Art 316: whether the annual operational risk loss must be calculated
    art316: Art316 | None = None

    def _rows(self) -> list[tuple[str, Any, int | None, str]]:
        unit = f"{self.currency} × {self.bi_unit.normalize():f}"
        rows: list[tuple[str, Any, int | None, str]] = []
        if self.business_indicator is not None:
            bi = self.business_indicator
            rows += [
                ("ILDC", bi.ildc, 2, "OPE25.4"),
                ("SC", bi.sc, 2, "OPE25.4"),
                ("FC", bi.fc, 2, "OPE25.4"),
            ]
        rows += [
            (f"BI ({unit})", self.bi, 2, "OPE25.3"),
            ("bucket", self.bic.bucket, None, "OPE25.7"),
            (f"BIC ({unit})", self.bic.bic, 2, "OPE25.7"),
        ]
        if self.lc is not None:
            rows.append((f"LC ({unit})", self.lc, 2, "OPE25.8"))
        if self.ilm_formula is not None:
            rows.append(("ILM by formula", self.ilm_formula.ilm, 6, "OPE25.8"))
        if self.ildc_split is not None:
            rows += self.ildc_split._rows()
        if self.art316 is not None:
            rows.append(("annual loss calculation", self.art316.required, None, self.art316.reason))
        return [
            *rows,
            ("ILM applied", self.ilm, 6, "OPE25.8"),
            ("ILM rule", f"{self.ilm_rule}: {self.ilm_reason}", None, f"profile {self.profile}"),
            (f"ORC ({unit})", self.orc, 2, "OPE25.2"),
            (f"RWA ({unit})", self.rwa, 2, "OPE25.2: 12.5 × ORC"),
        ]


def sa(
    bi: BusinessIndicatorResult | pd.DataFrame | Any,
    losses: LossComponentResult | pd.DataFrame | None,
    *,
    profile: Profile | str,
    bi_unit: Decimal | int | str,
    threshold: Decimal | int | str | None = None,
    loss_unit: Decimal | int | str | None = None,
    end_year: int | None = None,
    years_of_data: int | None = None,
    loss_data_standards_met: bool = True,
    allow_any_threshold: bool = False,
    currency: str | None = None,
    fx_rate: Decimal | int | str | None = None,
    subsidiaries: Mapping[str, Any] | None = None,
    subsidiary_leis: Mapping[str, str | None] | None = None,
    art316_waiver: bool = False,
) -> SAResult:
    """Basel III standardised approach: ORC = BIC × ILM, RWA = 12.5 × ORC [OPE25.2].

    The ILM applied is decided in this order (the result names the rule and the reason):

    1. ``profile.ilm_fixed_at_one`` (EU CRR3 Art 312, UK PRA, China): ILM = 1;
    2. bucket 1 (BI ≤ EUR 1bn) and not ``profile.bucket1_ilm``: ILM = 1 [OPE25; EBA 2019 §1.2];
    3. fewer than ``profile.min_loss_years`` (5) years of good-quality loss data: BIC only;
    4. otherwise the formula; if ``loss_data_standards_met`` is False, ILM = max(ILM, 1)
       (at least 100 % of BIC; OPE25 wording *unconfirmed*).

    Whenever losses are given the LC and the formula ILM are computed and reported (disclosure
    still applies where the ILM is 1).

    Parameters
    ----------
    bi
        BI items (any shape :func:`business_indicator` accepts), a
        :class:`BusinessIndicatorResult`, or the BI as a number.
    losses
        Loss rows (the DataFrame :func:`loss_component` takes), a :class:`LossComponentResult`,
        or ``None`` when the ILM is 1 under rules 1–3 (otherwise a :class:`MissingInputError`).
    profile
        A :class:`Profile` or a name: ``"basel"``, ``"basel-bucket1-ilm"``, ``"eu-crr3"``,
        ``"uk-pra"``, ``"cn-nfra"``. Required: the jurisdiction decides the ILM.
    bi_unit
        Currency units per unit of the BI figures (``Decimal("1e6")`` for EUR millions).
    threshold
        Loss threshold in whole units of the **profile's** currency, one of
        ``profile.thresholds`` unless ``allow_any_threshold``; ``None`` = the profile's default
        (EUR 20,000). Used with raw losses only; not allowed with an LC result.
    loss_unit
        Currency units per unit of ``net_loss``. ``None`` reads ``losses.attrs["unit"]`` (the
        frames of ``db.capital.loss_data`` carry it: 1, whole currency units); a frame without
        that attribute is refused: the loss unit is never assumed to be the BI unit.
    end_year
        BI year t and last year of the loss window; ``None`` = the latest year of the BI items.
    years_of_data
        Years of good-quality loss data (``None`` = ``profile.loss_years``, i.e. 10).
    loss_data_standards_met
        False floors the ILM at 1.
    allow_any_threshold
        As for :func:`loss_component`.
    currency
        Currency of the BI and the losses; ``None`` takes it from a BI result or the losses'
        ``attrs["currency"]``, else the profile's. Losses in another currency are refused.
    fx_rate
        Units of ``currency`` per unit of ``profile.currency`` (a recorded FX rate); needed only
        when the two differ, to convert the bucket boundaries and the threshold.
    subsidiaries, subsidiary_leis
        CRR3 Art 314(3): the BI items (or BI results) of subsidiaries whose ILDC is computed
        separately, by legal entity, and their LEIs; the BI then uses the split ILDC
        (:func:`~oprisk.capital.crr3.ildc_split`). Requires the BI as items or a result.
    art316_waiver
        The institution holds a CRR3 Art 316(2) waiver (only possible up to a BI of EUR 1bn).
        With a profile that has Art 316 limits (``eu-crr3``) the result says whether the annual
        operational risk loss must be calculated.

    Returns
    -------
    SAResult
    """
    prof = get_profile(profile)
    loss_attrs = losses.attrs if isinstance(losses, pd.DataFrame) else {}
    if currency is None:
        currency = (
            bi.currency
            if isinstance(bi, BusinessIndicatorResult)
            else loss_attrs.get("currency") or prof.currency
        )
    bi_result = bi if isinstance(bi, BusinessIndicatorResult) else None
    if bi_result is None and isinstance(bi, pd.DataFrame | dict):
        bi_result = business_indicator(bi, end_year=end_year, currency=currency)
    if bi_result is not None and bi_result.currency != currency:
        raise CapitalError(
            invalid("currency", currency, f"the BI is in {bi_result.currency}: convert one of them")
        )
    split = None
    if subsidiaries:
        if bi_result is None:
            raise MissingInputError(
                invalid("bi", bi, "the Art 314(3) split needs the BI items, not a number")
            )
        split = ildc_split(
            bi_result,
            {
                name: items
                if isinstance(items, BusinessIndicatorResult)
                else business_indicator(items, end_year=bi_result.years[-1], currency=currency)
                for name, items in subsidiaries.items()
            },
            subsidiary_leis,
        )
        bi_result = replace(bi_result, ildc=split.ildc, bi=split.ildc + bi_result.sc + bi_result.fc)
    bic_result = bic(
        bi_result if bi_result is not None else bi,
        bi_unit=bi_unit,
        profile=prof,
        currency=currency,
        fx_rate=fx_rate,
    )
    t = end_year if end_year is not None else (bi_result.years[-1] if bi_result else None)

    lc_result = _loss_component(
        losses,
        prof,
        bic_result,
        t,
        threshold,
        loss_unit,
        years_of_data,
        allow_any_threshold,
        currency,
    )
    formula = ilm(lc_result, bic_result) if lc_result is not None and bic_result.bic > 0 else None
    rule, reason, value = _decide(
        prof, bic_result, lc_result, formula, years_of_data, loss_data_standards_met
    )
    orc = CONTEXT.multiply(bic_result.bic, value)
    art316_result = (
        art316(
            CONTEXT.multiply(bic_result.bi, bic_result.bi_unit),
            prof,
            currency,
            bic_result.fx_rate,
            art316_waiver,
        )
        if prof.loss_calculation_bi is not None
        else None
    )
    return SAResult(
        profile=prof.name,
        currency=currency,
        bi_unit=bic_result.bi_unit,
        business_indicator=bi_result,
        bi=bic_result.bi,
        bic=bic_result,
        loss_component=lc_result,
        lc=formula.lc
        if formula
        else (_lc_in_bi_units(lc_result, bic_result) if lc_result else None),
        ilm_formula=formula,
        ilm=value,
        ilm_rule=rule,
        ilm_reason=reason,
        loss_data_standards_met=loss_data_standards_met,
        orc=orc,
        rwa=CONTEXT.multiply(RWA_FACTOR, orc),
        ildc_split=split,
        art316=art316_result,
    )


def _loss_component(
    losses: Any,
    prof: Profile,
    bic_result: BICResult,
    end_year: int | None,
    threshold: Any,
    loss_unit: Any,
    years_of_data: int | None,
    allow_any_threshold: bool,
    currency: str,
) -> LossComponentResult | None:
    if losses is None or isinstance(losses, LossComponentResult):
        if threshold is not None:
            raise CapitalError(
                invalid("threshold", threshold, "applies only when raw loss rows are passed")
            )
        return losses
    if threshold is None:
        threshold = prof.default_threshold
        if threshold is None:
            raise MissingInputError(
                invalid(
                    "threshold",
                    None,
                    f"profile {prof.name!r} has no confirmed {prof.currency} loss threshold: pass one",
                )
            )
    thr = to_decimal(threshold, "threshold")
    if thr < 0:
        raise CapitalError(invalid("threshold", threshold, "must be ≥ 0"))
    if not allow_any_threshold and thr not in prof.thresholds:
        allowed = ", ".join(f"{x:f}" for x in prof.thresholds) or "(none confirmed)"
        raise CapitalError(
            invalid(
                "threshold",
                threshold,
                f"must be one of {allowed} {prof.currency} under profile {prof.name!r}",
            )
        )
    if (
        prof.thresholds
        and thr > min(prof.thresholds)
        and bic_result.bucket == 1
        and not allow_any_threshold
    ):
        warnings.warn(
            f"threshold {thr:f} above {min(prof.thresholds):f} is a discretion for buckets 2-3 "
            "(EBA Policy Advice 2019 §1.3); this bank is in bucket 1",
            DataQualityWarning,
            stacklevel=3,
        )
    if end_year is None:
        raise MissingInputError(
            invalid("end_year", None, "required when the BI is given as a number")
        )
    return loss_component(
        losses,
        threshold=in_currency(thr, prof, currency, bic_result.fx_rate, "loss thresholds"),
        end_year=end_year,
        years=prof.loss_years,
        min_years=prof.min_loss_years,
        years_of_data=years_of_data,
        unit=loss_unit_of(losses, loss_unit),
        allow_any_threshold=True,  # checked against the profile above
        currency=currency,
    )


def loss_unit_of(losses: pd.DataFrame, loss_unit: Any) -> Decimal:
    """The unit of the losses' ``net_loss``: ``loss_unit`` or the frame's ``attrs["unit"]``.

    Neither given is an error (the BI unit is never assumed); both given and different too.
    """
    declared = losses.attrs.get("unit")
    if loss_unit is None and declared is None:
        raise MissingInputError(
            invalid(
                "loss_unit",
                None,
                "the loss rows carry no unit (attrs['unit']): pass loss_unit= "
                "(1 for whole currency units, as db.capital.loss_data returns them)",
            )
        )
    unit = to_decimal(loss_unit if loss_unit is not None else declared, "loss_unit")
    if declared is not None and loss_unit is not None and to_decimal(declared, "unit") != unit:
        raise CapitalError(
            invalid("loss_unit", loss_unit, f"the loss rows say their unit is {declared}")
        )
    return unit


def _decide(
    prof: Profile,
    bic_result: BICResult,
    lc: LossComponentResult | None,
    formula: ILMResult | None,
    years_of_data: int | None,
    standards_met: bool,
) -> tuple[str, str, Decimal]:
    if prof.ilm_fixed_at_one:
        return "profile", f"{prof.description} [{prof.citation}]", _ONE
    if bic_result.bucket == 1 and not prof.bucket1_ilm:
        limit = f"{prof.currency} {prof.bucket_boundaries[0]:,f}"
        return "bucket-1", f"bucket-1 bank (BI ≤ {limit}): ILM = 1, ORC = BIC [OPE25]", _ONE
    n_years = lc.years_of_data if lc is not None else years_of_data
    if n_years is not None and n_years < prof.min_loss_years:
        return (
            "insufficient-loss-data",
            f"{n_years} years of good-quality loss data < {prof.min_loss_years}: BIC only [SAMA §7.3.3]",
            _ONE,
        )
    if formula is None:
        raise MissingInputError(
            invalid(
                "losses",
                None,
                f"the ILM applies (bucket {bic_result.bucket}, profile {prof.name!r}): pass losses or an LC result",
            )
        )
    if not standards_met and formula.ilm < _ONE:
        return (
            "standards-not-met",
            f"loss-data standards not met: ILM {formula.ilm:.6f} raised to 1 (≥ 100 % of BIC)",
            _ONE,
        )
    note = "; loss-data standards not met but ILM ≥ 1 already" if not standards_met else ""
    return "formula", f"ILM = ln(e − 1 + (LC/BIC)^0.8) [OPE25.8]{note}", formula.ilm
