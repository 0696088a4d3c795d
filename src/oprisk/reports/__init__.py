"""Regulatory reports: COREP operational-risk templates and Basel Pillar 3 OR1 / OR2 / OR3.

Two COREP frameworks: the legacy (Basel II / CRR, framework 3.x) C 16.00 / C 17.01 / C 17.02
and the EBA 4.2 (CRR3) tables C 16.01.a/b, C 16.02, C 16.03, C 16.04, C 17.01.a/b and C 17.02;
``framework`` picks one, by default the one the period's reference date calls for. The templates
are defined as data (:mod:`.definitions`); builders (:mod:`.c17`, :mod:`.c16`, :mod:`.c16_crr3`,
:mod:`.pillar3`) fill a :class:`Table` from data read at one knowledge cut-off; writers turn
tables into deterministic XLSX (:mod:`.xlsx`), CSV / JSON (:mod:`.writers`) and xBRL-CSV report
packages (:mod:`.xbrl`, checked by :mod:`.validate`); :mod:`.manifest` records what an export
used and wrote so ``oprisk export --verify`` can re-run it. ``db.reports`` (:class:`Reports`) is
the entry point. See docs/reports.md.
"""

from .params import FORMATS, TEMPLATES, Parameters
from .service import ExportResult, Reports, VerifyReport
from .table import Cutoff, Period, Table
from .validate import ValidationReport

__all__ = [
    "FORMATS",
    "TEMPLATES",
    "Cutoff",
    "ExportResult",
    "Parameters",
    "Period",
    "Reports",
    "Table",
    "ValidationReport",
    "VerifyReport",
]
