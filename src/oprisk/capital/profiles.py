"""Jurisdiction profiles: the switches that differ between Basel, the EU, the UK and China.

A :class:`Profile` is a frozen value; pass one of the named profiles by name (``"basel"``,
``"basel-bucket1-ilm"``, ``"eu-crr3"``, ``"uk-pra"``, ``"cn-nfra"``) or build your own with
:func:`dataclasses.replace`. Nothing in the capital module reads a profile from global state.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from oprisk.errors import ConfigurationError, invalid

_D = Decimal


@dataclass(frozen=True)
class Profile:
    """The rule set of one jurisdiction for the Basel III SA (and the TSA line set).

    Attributes
    ----------
    name, description, citation
        Identification; ``citation`` names the text the profile follows.
    ilm_fixed_at_one
        The ILM is 1 for every bank: capital = BIC (EU CRR3 Art 312; UK PRA; national discretion).
    bucket1_ilm
        Bucket-1 banks (BI ≤ first boundary) may use the ILM (national discretion); otherwise their
        ILM is 1 [OPE25; EBA Policy Advice 2019 §1.2].
    bucket_boundaries, marginal_coefficients
        BIC buckets in whole units of the reporting currency (EUR 1bn / 30bn) and their marginal
        coefficients 12 % / 15 % / 18 % [OPE25.7 Table 1], [CRR3 Art 313].
    thresholds
        Loss thresholds accepted for the annual-loss calculation, in whole units of the reporting
        currency (EUR 20,000 Basel minimum — *unconfirmed*; EUR 100,000 discretion for
        buckets 2–3 [EBA Policy Advice 2019 §1.3]).
    min_loss_years, loss_years
        Years of good-quality loss data needed to use the ILM (5) and the LC window (10)
        [OPE25.8], [SAMA §7.3.3, §8(a)].
    allow_corporate_items
        Accept ``BL9`` (Corporate items / 其他) as a TSA/ASA line with its β (Chinese nine-line
        TSA, β = 18 % *unconfirmed*); Basel has eight lines only.
    """

    name: str
    description: str
    citation: str
    ilm_fixed_at_one: bool = False
    bucket1_ilm: bool = False
    bucket_boundaries: tuple[Decimal, Decimal] = (_D("1e9"), _D("30e9"))
    marginal_coefficients: tuple[Decimal, Decimal, Decimal] = (_D("0.12"), _D("0.15"), _D("0.18"))
    thresholds: tuple[Decimal, ...] = (_D(20000), _D(100000))
    min_loss_years: int = 5
    loss_years: int = 10
    allow_corporate_items: bool = False


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
            "CRR3 Art 312-314",
            ilm_fixed_at_one=True,
        ),
        "uk-pra": Profile(
            "uk-pra",
            "UK PRA Basel 3.1: national discretion exercised, ILM = 1",
            "PRA Basel 3.1 policy statement §5.18-5.20",
            ilm_fixed_at_one=True,
        ),
        "cn-nfra": Profile(
            "cn-nfra",
            "China NFRA 2023 rules: ILM = 1 until an own-loss multiplier is approved "
            "(unconfirmed default); nine-line TSA with BL9 'other' (β 18 %, unconfirmed)",
            "NFRA Order 2023 No. 4; CBRC 2012 rules Annex 12",
            ilm_fixed_at_one=True,
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
