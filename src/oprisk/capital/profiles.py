"""Jurisdiction profiles: the switches that differ between Basel, the EU, the UK and China.

A :class:`Profile` is a frozen value; pass one of the named profiles by name (``"basel"``,
``"basel-bucket1-ilm"``, ``"eu-crr3"``, ``"uk-pra"``, ``"cn-nfra"``) or build your own with
:func:`dataclasses.replace`. Nothing in the capital module reads a profile from global state.

Every amount in a profile (bucket boundaries, loss thresholds, the CRR3 Art 316 BI limits) is an
amount in ``profile.currency``. A calculation in another currency converts those amounts with a
recorded FX rate (:func:`in_currency`) or refuses with an error naming both currencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from oprisk.errors import ConfigurationError, MissingInputError, invalid

_D = Decimal


@dataclass(frozen=True)
class Profile:
    """The rule set of one jurisdiction for the Basel III SA (and the TSA line set).

    Attributes
    ----------
    name, description, citation
        Identification; ``citation`` names the text the profile follows.
    currency
        ISO 4217 code of every amount below (EUR for Basel / EU / UK, CNY for China).
    ilm_fixed_at_one
        The ILM is 1 for every bank: capital = BIC (EU CRR3 Art 312; UK PRA; national discretion).
    bucket1_ilm
        Bucket-1 banks (BI ≤ first boundary) may use the ILM (national discretion); otherwise their
        ILM is 1 [OPE25; EBA Policy Advice 2019 §1.2].
    bucket_boundaries, marginal_coefficients
        BIC buckets in whole units of ``currency`` (EUR 1bn / 30bn) and their marginal
        coefficients 12 % / 15 % / 18 % [OPE25.7 Table 1], [CRR3 Art 313].
    thresholds
        Loss thresholds accepted for the annual-loss calculation, in whole units of ``currency``;
        the first is the default (EUR 20,000 [OPE25; CRR3 Art 319(1)], the article text
        *unconfirmed*; EUR 100,000 the discretion for buckets 2–3 [EBA Policy Advice 2019 §1.3]).
        Empty when no threshold is confirmed for the jurisdiction: then one must be given.
    min_loss_years, loss_years
        Years of good-quality loss data needed to use the ILM (5) and the LC window (10)
        [OPE25.8], [SAMA §7.3.3, §8(a)].
    allow_corporate_items
        Accept ``BL9`` (Corporate items / 其他) as a TSA/ASA line with its β (Chinese nine-line
        TSA, β = 18 % *unconfirmed*); Basel has eight lines only.
    loss_calculation_bi, loss_calculation_waiver_bi
        CRR3 Art 316: an institution with a BI of at least ``loss_calculation_bi`` (EUR 750m)
        calculates the annual operational risk loss; the competent authority may waive it up to
        a BI of ``loss_calculation_waiver_bi`` (EUR 1bn). ``None``: no such rule.
    """

    name: str
    description: str
    citation: str
    currency: str = "EUR"
    ilm_fixed_at_one: bool = False
    bucket1_ilm: bool = False
    bucket_boundaries: tuple[Decimal, Decimal] = (_D("1e9"), _D("30e9"))
    marginal_coefficients: tuple[Decimal, Decimal, Decimal] = (_D("0.12"), _D("0.15"), _D("0.18"))
    thresholds: tuple[Decimal, ...] = (_D(20000), _D(100000))
    min_loss_years: int = 5
    loss_years: int = 10
    allow_corporate_items: bool = False
    loss_calculation_bi: Decimal | None = None
    loss_calculation_waiver_bi: Decimal | None = None

    @property
    def default_threshold(self) -> Decimal | None:
        """The loss threshold used when none is given (the first of ``thresholds``)."""
        return self.thresholds[0] if self.thresholds else None


#: The default loss threshold: EUR 20,000 [OPE25; CRR3 Art 319(1), text *unconfirmed*]; the
#: demo, ``oprisk export`` and the capital commands all default to it.
DEFAULT_THRESHOLD = _D(20000)

PROFILES: MappingProxyType[str, Profile] = MappingProxyType(
    {
        "basel": Profile(
            "basel",
            "Basel III SA: ORC = BIC × ILM; ILM = 1 for bucket-1 banks",
            "OPE25.1-25.8",
        ),
        "basel-bucket1-ilm": Profile(
            "basel-bucket1-ilm",
            "Basel III SA with the national discretion letting bucket-1 banks use the ILM",
            "OPE25.8; EBA Policy Advice 2019 §1.2",
            bucket1_ilm=True,
        ),
        "eu-crr3": Profile(
            "eu-crr3",
            "EU CRR3: own funds requirement = BIC (ILM = 1); losses still collected and disclosed",
            "CRR3 Art 312-316",
            ilm_fixed_at_one=True,
            loss_calculation_bi=_D("750e6"),
            loss_calculation_waiver_bi=_D("1e9"),
        ),
        "uk-pra": Profile(
            "uk-pra",
            "UK PRA Basel 3.1: national discretion exercised, ILM = 1",
            "PRA Basel 3.1 policy statement §5.18-5.20",
            ilm_fixed_at_one=True,
        ),
        "cn-nfra": Profile(
            "cn-nfra",
            "China NFRA 2023 rules: BIC buckets at RMB 8bn / 240bn; ILM = 1 until an own-loss "
            "multiplier is approved (unconfirmed default); nine-line TSA with BL9 'other' "
            "(β 18 %, unconfirmed)",
            "NFRA Order 2023 No. 4; CBRC 2012 rules Annex 12",
            currency="CNY",
            ilm_fixed_at_one=True,
            bucket_boundaries=(_D("8e9"), _D("240e9")),  # 80亿 / 2400亿 as we read the 2023 rules
            thresholds=(),  # no RMB loss threshold confirmed: pass one explicitly
            allow_corporate_items=True,
        ),
    }
)


def get_profile(profile: Profile | str) -> Profile:
    """Return ``profile`` itself, or the named profile; an unknown name lists the valid ones."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[str(profile).strip().lower()]
    except KeyError:
        raise ConfigurationError(
            invalid("profile", profile, "must be one of " + ", ".join(PROFILES))
        ) from None


def in_currency(
    amount: Decimal, profile: Profile, currency: str, fx_rate: Decimal | None, what: str
) -> Decimal:
    """A profile amount (``what``) in ``currency``: unchanged when the currencies agree, else
    converted with ``fx_rate`` (units of ``currency`` per one unit of ``profile.currency``).

    Without a rate the calculation is refused, naming both currencies.
    """
    if currency == profile.currency:
        return amount
    if fx_rate is None:
        raise MissingInputError(
            invalid(
                "fx_rate",
                None,
                f"the {what} of profile {profile.name!r} are {profile.currency} amounts and the "
                f"calculation is in {currency}: pass the {profile.currency}→{currency} rate "
                f"(units of {currency} per {profile.currency}) or use a {currency} profile",
            )
        )
    if fx_rate <= 0:
        raise ConfigurationError(invalid("fx_rate", fx_rate, "must be > 0"))
    return amount * fx_rate
