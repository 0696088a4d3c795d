"""Regulatory reports: COREP C 16.00 / C 17.01 / C 17.02 and Basel Pillar 3 OR1 / OR2 / OR3.

Builders (:mod:`.c17`, :mod:`.c16`, :mod:`.pillar3`) fill a :class:`Table` from data read at one
knowledge cut-off; writers (:mod:`.writers`) turn tables into deterministic XLSX / CSV / JSON;
:mod:`.manifest` records what an export used and wrote so ``oprisk export --verify`` can re-run
it. ``db.reports`` (:class:`Reports`) is the entry point. See docs/reports.md.
"""

from .service import FORMATS, TEMPLATES, ExportResult, Parameters, Reports, VerifyReport
from .table import Cutoff, Period, Table

__all__ = [
    "FORMATS",
    "TEMPLATES",
    "Cutoff",
    "ExportResult",
    "Parameters",
    "Period",
    "Reports",
    "Table",
    "VerifyReport",
]
