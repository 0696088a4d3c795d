"""What an export says about itself: the workbook's cover sheet (typed values) and the
manifest's sections on the profile, the notes behind each template and the CRR3 findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .params import Parameters
from .table import Cutoff, Period, Table

LABELS = {
    "framework": "Reporting framework",
    "threshold": "C 17.01 data-collection threshold",
    "large_loss": "C 17.02 threshold (gross loss)",
    "include_credit_boundary": "C 17 includes credit-boundary losses",
    "approach": "C 16.00 approach (legacy)",
    "profile": "OR1-OR3 jurisdiction profile",
    "sa_threshold": "Loss threshold of the standardised approach",
    "legal_entity": "Legal entity of the financial inputs",
    "entity": "Reporting entity (LEI)",
    "basis": "Consolidation basis",
    "country": "Country of the competent authority",
    "subsidiaries": "Art 314(3) subsidiaries",
    "art316_waiver": "CRR3 Art 316(2) waiver held",
    "fc_approach": "Approach used for the financial component",
}
#: unconfirmed points of the legacy layouts (reference §10); in the manifest, not in the files
LEGACY_UNCONFIRMED = (
    "C 16.00 column 071; C 17.01 rows 0930-0970 and the labels of rows x30 / x70 / x80; "
    "the C 17.02 column list; OR1-OR3 row labels (reference §10)."
)


def cover(
    tables: Sequence[Table], period: Period, cut: Cutoff, prm: Parameters, version: str
) -> list[tuple[str, Any]]:
    """The cover sheet's rows: numbers, dates and booleans as values, not text."""
    rows: list[tuple[str, Any]] = [
        ("Templates", ", ".join(f"{t.template} ({t.title})" for t in tables)),
        ("Reporting period: first day", period.start),
        ("Reporting period: reference date", period.end),
        ("Interim period", period.interim),
        ("Reporting currency", prm.currency),
        ("Knowledge cut-off: log position", cut.position),
        ("Knowledge cut-off: recorded time (UTC)", cut.time_iso or "(empty log)"),
    ]
    for k, v in dataclasses.asdict(prm).items():
        if k == "currency":
            continue
        if k == "subsidiaries":
            v = ", ".join(f"{n} ({lei})" for n, lei in v) or "(none)"
        rows.append((LABELS.get(k, k), "(not set)" if v is None else v))
    rows += [
        ("oprisk version", version),
        (
            "How to reproduce",
            "Run `oprisk export --verify DIR` on the export directory: it re-runs the export "
            "from manifest.json at the same log position and compares the SHA-256 of every file.",
        ),
    ]
    return rows


def profile_dict(name: str) -> dict[str, Any]:
    from oprisk.capital import get_profile

    p = get_profile(name)
    return {
        f.name: (
            format(v, "f")
            if isinstance(v := getattr(p, f.name), Decimal)
            else [format(x, "f") if isinstance(x, Decimal) else x for x in v]
            if isinstance(v, tuple)
            else v
        )
        for f in dataclasses.fields(p)
    }


def crr3_findings(run: Any) -> dict[str, Any]:
    """Art 316, Art 320 and Art 314(3) as the EU run found them (for the manifest)."""
    r = run.result
    out: dict[str, Any] = {
        "year": run.year,
        "legal_entity": run.legal_entity,
        "own_funds_requirement": format(r.orc, "f"),
        "art316": {"required": r.art316.required, "reason": r.art316.reason} if r.art316 else None,
        "art320_exclusions": [
            {
                "event": c.group_id,
                "permission_reference": c.permission_reference,
                "aggregated_net_loss": format(c.aggregated_net_loss, "f"),
                "ten_percent_of_average_annual_loss": format(c.ten_percent_of_average, "f"),
                "materiality_met": c.materiality_met,
                "finding": c.finding,
            }
            for c in (r.loss_component.exclusion_checks if r.loss_component else ())
        ],
    }
    if r.ildc_split is not None:
        out["art314_3"] = r.ildc_split.to_dict()
    return out
