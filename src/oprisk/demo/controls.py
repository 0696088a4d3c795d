"""The demo bank's control-environment assessments: one AHP assessment per business line.

The supervision template (docs/assess.md) with scores per criterion for each Basel business line,
drawn around a level per line (retail brokerage and trading weaker, payments and retail banking
stronger; illustrative), seeded. ``db.capital.icaap`` turns each line's composite into the BEICF
factor of that line's units of measure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from oprisk.assess import Assessment, assess, load_template

ASSESSOR = "Internal Control Dept"
ASSESSED_ON = "2025-12-15"
#: the level around which each line's criterion scores are drawn (0–100)
LEVELS = {"BL1": 70, "BL2": 55, "BL3": 78, "BL4": 66, "BL5": 82, "BL6": 74, "BL7": 68, "BL8": 52}


def control_assessment(seed: int) -> Assessment:
    """One assessment holding every business line's scores (seeded)."""
    template = load_template("supervision")
    assert template.scores is not None
    rng = np.random.default_rng([seed, 2025])
    levels = np.array(list(LEVELS.values()), dtype=float)[:, None]
    raw = levels + rng.normal(0, 8, (len(LEVELS), template.scores.shape[1]))
    scores = pd.DataFrame(
        np.clip(np.round(raw), 0, 100), index=pd.Index(list(LEVELS), name="unit"),
        columns=template.scores.columns,
    )  # fmt: skip
    return assess(dataclasses.replace(template, scores=scores), assessor=ASSESSOR)


def record_control_assessments(db: Any, seed: int, *, actor: str = "demo.controls") -> int:
    """Record each business line's assessment; returns how many facts were appended."""
    a = control_assessment(seed)
    return sum(
        len(db.record_assessment(a, unit=bl, actor=actor, assessed_on=ASSESSED_ON)) for bl in LEVELS
    )
