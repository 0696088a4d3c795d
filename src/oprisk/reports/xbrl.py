"""xBRL-CSV 1.0 report packages for the EBA 4.2 module ``corep_of`` (Report Packages 1.0).

The package is a zip with one top-level directory named like the zip::

    <name>/META-INF/reportPackage.json      {"documentInfo": {"documentType": "https://xbrl.org/report-package/2023"}}
    <name>/reports/report.json              xBRL-CSV metadata extending the module's entry point
    <name>/reports/parameters.csv           entityID (lei:<LEI>.CON|.IND), refPeriod, baseCurrency,
                                            decimalsInteger, decimalsMonetary
    <name>/reports/FilingIndicators.csv     templateID,reported: one line per template of the module
    <name>/reports/c_17.01.a.csv …          datapoint,factValue (open tables: key columns first)

One table file per reported table, holding only its non-empty facts. Monetary facts are written
exactly to the declared ``decimalsMonetary`` (2: cents), integers as integers, dates ISO,
enumerations as the member QName. String facts are written as they are: unlike the CSV for
people, an xBRL-CSV value is read by the supervisor's processor, and prefixing it would change
the fact. The archive's entry dates are the knowledge cut-off time, so the same cut-off gives the
same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .definitions import framework, table_def
from .params import Parameters
from .table import Period, Table
from .writers import csv_line, fixed_time, text_value, zip_bytes

PACKAGE_TYPE = "https://xbrl.org/report-package/2023"
CSV_TYPE = "https://xbrl.org/2021/xbrl-csv"
DECIMALS = {"decimalsMonetary": "2", "decimalsInteger": "0"}
SUFFIX = {"consolidated": "CON", "individual": "IND"}
#: the module's version (ModuleVersion 4.1.0 in ``corep_of.json``) as the file name writes it
MODULE_CODE = "COREP040100_COREPOF"


def entity_id(prm: Parameters) -> str:
    """``lei:<LEI>.CON`` / ``.IND``: the LEI scheme with the consolidation suffix."""
    return f"lei:{prm.entity}.{SUFFIX[prm.basis]}"


def package_name(prm: Parameters, period: Period, when: datetime | None) -> str:
    """The EBA file name ``ReportSubject_Country_FrameworkCodeModuleVersion_Module_ReferenceDate_
    CreationTimestamp`` (creation = the knowledge cut-off time, so re-exports match) when the
    country is known; without it ``ReportSubject_COREPOF_ReferenceDate``."""
    subject = f"{prm.entity}.{SUFFIX[prm.basis]}"
    if prm.country is None:
        return f"{subject}_COREPOF_{period.end.isoformat()}"
    stamp = fixed_time(when).strftime("%Y%m%d%H%M%S") + "000"
    return f"{subject}_{prm.country}_{MODULE_CODE}_{period.end.isoformat()}_{stamp}"


def _csv(rows: Sequence[Sequence[str]]) -> bytes:
    return "".join(csv_line(list(r), "\r\n") for r in rows).encode("utf-8")


def facts(table: Table) -> list[list[str]]:
    """The table's rows of its xBRL-CSV file, header first."""
    defn = table_def(table.code)
    header = [*defn.key_names, "datapoint", "factValue"]
    out = [header]
    for row in table.rows:
        keys = list(table.keys.get(row, ())) if defn.open else []
        for col in table.columns:
            value = table.value(row, col)
            if value is None:
                continue
            cell = defn.cells[("*" if defn.open else row, col)]
            assert cell.datapoint is not None
            out.append([*keys, cell.datapoint, text_value(value, table.kind(row, col))])
    return out


def reported_indicators(tables: Sequence[Table]) -> dict[str, bool]:
    """Every filing indicator of the module: true when one of its tables has a fact."""
    has = {t.code for t in tables if len(facts(t)) > 1}
    return {
        fi: any(code in has for code in codes)
        for fi, codes in sorted(framework("4.2").filing_indicators.items())
    }


def package(
    tables: Sequence[Table], prm: Parameters, period: Period, when: datetime | None
) -> tuple[str, bytes, dict[str, bool]]:
    """(file name, zip bytes, filing indicators) of the report package for ``tables``."""
    fw = framework("4.2")
    name = package_name(prm, period, when)
    reported = reported_indicators(tables)
    report = {
        "documentInfo": {"documentType": CSV_TYPE, "extends": [fw.meta["entry_point"]]},
    }
    params = [
        ["name", "value"],
        ["entityID", entity_id(prm)],
        ["refPeriod", period.end.isoformat()],
        ["baseCurrency", f"iso4217:{prm.currency}"],
        *([k, v] for k, v in sorted(DECIMALS.items())),
    ]
    entries: dict[str, bytes] = {
        f"{name}/META-INF/reportPackage.json": _json(
            {"documentInfo": {"documentType": PACKAGE_TYPE}}
        ),
        f"{name}/reports/report.json": _json(report),
        f"{name}/reports/parameters.csv": _csv(params),
        f"{name}/reports/FilingIndicators.csv": _csv(
            [["templateID", "reported"], *([fi, str(v).lower()] for fi, v in reported.items())]
        ),
    }
    for t in sorted(tables, key=lambda t: t.code):
        rows = facts(t)
        defn = table_def(t.code)
        if len(rows) > 1 and reported.get(str(defn.filing_indicator)):
            entries[f"{name}/reports/{defn.url}"] = _csv(rows)
    return f"{name}.zip", zip_bytes(entries, fixed_time(when)), reported


def _json(doc: Mapping[str, Any]) -> bytes:
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8")
