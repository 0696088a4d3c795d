"""Operational-risk capital: Basel II BIA / TSA / ASA and the Basel III standardised approach.

Pure functions on pandas / plain mappings returning frozen, self-explaining results (every
intermediate figure, ``summary()``, ``to_dict()``). The LDA lives in :mod:`oprisk.capital.lda`
and is not imported here.
"""

from .alternative_standardised import ASAResult, LoansIndicator, asa
from .basic_indicator import BIAResult, BIAYear, bia
from .indicator import (
    BI_ITEMS,
    BICBucket,
    BICResult,
    BIYear,
    BusinessIndicatorResult,
    bic,
    business_indicator,
)
from .internal_loss_multiplier import ILMResult, ilm
from .losses import AnnualLoss, EventLine, LossComponentResult, Posting, loss_component
from .profiles import PROFILES, Profile, get_profile
from .results import CapitalResult
from .standardised import SAResult, sa
from .traditional_standardised import LineCharge, TSAResult, YearCharge, tsa

__all__ = [
    "BI_ITEMS",
    "PROFILES",
    "ASAResult",
    "AnnualLoss",
    "BIAResult",
    "BIAYear",
    "BICBucket",
    "BICResult",
    "BIYear",
    "BusinessIndicatorResult",
    "CapitalResult",
    "EventLine",
    "ILMResult",
    "LineCharge",
    "LoansIndicator",
    "LossComponentResult",
    "Posting",
    "Profile",
    "SAResult",
    "TSAResult",
    "YearCharge",
    "asa",
    "bia",
    "bic",
    "business_indicator",
    "get_profile",
    "ilm",
    "loss_component",
    "sa",
    "tsa",
]
