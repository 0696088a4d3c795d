"""Structural validation of an xBRL-CSV report package against the template definitions
(``oprisk export --validate PACKAGE``).

Checked: the zip and its single top-level directory (named like the zip), ``reportPackage.json``
and ``report.json`` (document types, the 4.2 module's entry point), the parameters (entityID with
the LEI scheme and a consolidation suffix, refPeriod a date, baseCurrency an ISO 4217 unit, the
decimals integers), the filing indicators (every template of the module once, true / false,
consistent with the tables present), and every table file: a known table, its header, each
datapoint known to that table's definition, each value of the datapoint's type (monetary and
integer facts in the declared decimals, dates, enumeration members, non-empty strings and keys),
no fact twice. Files the package should not hold are reported too.

Not checked: the EBA validation rules (formulas across cells) and anything that needs the
taxonomy itself (concepts and dimension members are the definitions', not re-derived).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .definitions import TableDef, framework
from .params import LEI
from .xbrl import CSV_TYPE, PACKAGE_TYPE


@dataclass(frozen=True)
class ValidationReport:
    path: Path
    ok: bool
    problems: tuple[str, ...]
    facts: int
    tables: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.ok:
            return "\n".join(
                [
                    f"ok: {self.path.name} is a valid report package "
                    f"({self.facts} facts in {len(self.tables)} tables)",
                    *(f"note: {n}" for n in self.notes),
                ]
            )
        return "\n".join([f"INVALID: {self.path.name}", *(f"  {p}" for p in self.problems)])


def validate(path: str | Path) -> ValidationReport:
    path = Path(path)
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as err:
        return ValidationReport(path, False, (f"not a zip archive: {err}",), 0, ())
    with archive:
        files = {i.filename: archive.read(i.filename) for i in archive.infolist() if not i.is_dir()}
    tops = {name.split("/", 1)[0] for name in files}
    if len(tops) != 1 or any("/" not in n for n in files):
        return ValidationReport(
            path, False, (f"one top-level directory expected, found {sorted(tops)}",), 0, ()
        )
    top = tops.pop()
    if top != path.stem:
        problems.append(
            f"the top-level directory {top!r} is not named like the zip ({path.stem!r})"
        )
    inner = {n[len(top) + 1 :]: data for n, data in files.items()}
    checker = _Checker(inner, problems)
    checker.run()
    return ValidationReport(
        path,
        not problems,
        tuple(problems),
        checker.n_facts,
        tuple(sorted(checker.tables)),
        tuple(checker.notes),
    )


class _Checker:
    def __init__(self, files: dict[str, bytes], problems: list[str]) -> None:
        self.files = files
        self.problems = problems
        self.fw = framework("4.2")
        self.n_facts = 0
        self.tables: set[str] = set()
        self.params: dict[str, str] = {}
        self.notes: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def json(self, name: str) -> dict[str, Any] | None:
        if name not in self.files:
            self.fail(f"{name}: missing")
            return None
        try:
            doc = json.loads(self.files[name])
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            self.fail(f"{name}: not valid JSON ({err})")
            return None
        return doc if isinstance(doc, dict) else None

    def csv(self, name: str) -> list[dict[str, str]] | None:
        try:
            text = self.files[name].decode("utf-8")
        except UnicodeDecodeError:
            self.fail(f"{name}: not UTF-8")
            return None
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def run(self) -> None:
        pkg = self.json("META-INF/reportPackage.json") or {}
        if pkg.get("documentInfo", {}).get("documentType") != PACKAGE_TYPE:
            self.fail(f"META-INF/reportPackage.json: documentType must be {PACKAGE_TYPE}")
        report = self.json("reports/report.json") or {}
        info = report.get("documentInfo", {})
        if info.get("documentType") != CSV_TYPE:
            self.fail(f"reports/report.json: documentType must be {CSV_TYPE}")
        if info.get("extends") != [self.fw.meta["entry_point"]]:
            self.fail(
                f"reports/report.json: extends {info.get('extends')} is not the 4.2 module "
                f"entry point {self.fw.meta['entry_point']}"
            )
        self.check_parameters()
        reported = self.check_indicators()
        by_url = {t.url: t for t in self.fw.tables.values()}
        expected = {"META-INF/reportPackage.json", "reports/report.json"}
        expected |= {"reports/parameters.csv", "reports/FilingIndicators.csv"}
        for name in sorted(self.files):
            url = name.removeprefix("reports/")
            if name in expected:
                continue
            if not name.startswith("reports/") or url not in by_url:
                self.fail(f"{name}: not a file of the report package (no such table in 4.2)")
                continue
            defn = by_url[url]
            self.tables.add(defn.code)
            if not reported.get(str(defn.filing_indicator)):
                self.fail(
                    f"{name}: present, but filing indicator {defn.filing_indicator} is not true"
                )
            self.check_table(name, defn)
        for fi, value in reported.items():
            codes = self.fw.filing_indicators.get(fi, ())
            if value and not any(c in self.tables for c in codes):
                self.fail(f"FilingIndicators.csv: {fi} is reported but none of {codes} is present")

    def check_parameters(self) -> None:
        rows = (
            self.csv("reports/parameters.csv") if "reports/parameters.csv" in self.files else None
        )
        if rows is None:
            self.fail("reports/parameters.csv: missing")
            return
        if rows and list(rows[0]) != ["name", "value"]:
            self.fail("reports/parameters.csv: the header must be name,value")
        self.params = {r.get("name", ""): r.get("value", "") for r in rows}
        p = self.params
        required = ("entityID", "refPeriod", "baseCurrency", "decimalsMonetary", "decimalsInteger")
        for missing in [k for k in required if k not in p]:
            self.fail(f"parameters.csv: the required parameter {missing} is missing")
            p[missing] = ""
        entity = re.fullmatch(r"lei:(.+)\.(CON|IND)", p.get("entityID", ""))
        if entity is None or not LEI.match(entity.group(1)):
            self.fail(
                f"parameters.csv: entityID {p.get('entityID')!r} must be lei:<LEI>.CON or .IND"
            )
        try:
            ref = date.fromisoformat(p.get("refPeriod", ""))
            first = date.fromisoformat(self.fw.meta["from_reference_date"])
            if ref < first:
                self.notes.append(
                    f"refPeriod {ref.isoformat()} precedes {first.isoformat()}, the first reference "
                    "date of the 4.2 module: a test package, not one to submit"
                )
        except ValueError:
            self.fail(
                f"parameters.csv: refPeriod {p.get('refPeriod')!r} must be a date (YYYY-MM-DD)"
            )
        if not re.fullmatch(r"iso4217:[A-Z]{3}", p.get("baseCurrency", "")):
            self.fail(f"parameters.csv: baseCurrency {p.get('baseCurrency')!r} must be iso4217:XXX")
        for name in ("decimalsMonetary", "decimalsInteger"):
            if not re.fullmatch(r"-?\d+|INF", p.get(name, "")):
                self.fail(f"parameters.csv: {name} {p.get(name)!r} must be an integer or INF")

    def check_indicators(self) -> dict[str, bool]:
        name = "reports/FilingIndicators.csv"
        rows = self.csv(name) if name in self.files else None
        if rows is None:
            self.fail(f"{name}: missing")
            return {}
        out: dict[str, bool] = {}
        for i, r in enumerate(rows, start=2):
            fi, value = r.get("templateID", ""), r.get("reported", "")
            if fi not in self.fw.filing_indicators:
                self.fail(f"{name} line {i}: unknown filing indicator {fi!r}")
            elif fi in out:
                self.fail(f"{name} line {i}: {fi} appears twice")
            if value not in ("true", "false"):
                self.fail(f"{name} line {i}: reported {value!r} must be true or false")
            out[fi] = value == "true"
        for fi in sorted(set(self.fw.filing_indicators) - set(out)):
            self.fail(f"{name}: no line for {fi}")
        return out

    def check_table(self, name: str, defn: TableDef) -> None:
        rows = self.csv(name)
        if rows is None:
            return
        header = [*defn.key_names, "datapoint", "factValue"]
        text = self.files[name].decode("utf-8")
        got = next(csv.reader(io.StringIO(text)), [])
        if sorted(got) != sorted(header):
            self.fail(f"{name}: columns {got} must be {header}")
            return
        cells = defn.by_datapoint()
        seen: set[tuple[str, ...]] = set()
        for i, r in enumerate(rows, start=2):
            where = f"{name} line {i}"
            if None in r or None in r.values():
                self.fail(f"{where}: not as many fields as the header has ({len(header)})")
                continue
            keys = tuple(r.get(k, "") for k in defn.key_names)
            if any(not k for k in keys):
                self.fail(f"{where}: a key column ({', '.join(defn.key_names)}) is empty")
            cell = cells.get(r.get("datapoint", ""))
            if cell is None:
                self.fail(f"{where}: datapoint {r.get('datapoint')!r} is not in {defn.code}")
                continue
            if (*keys, r["datapoint"]) in seen:
                self.fail(f"{where}: datapoint {r['datapoint']} reported twice")
            seen.add((*keys, r["datapoint"]))
            problem = self.value_problem(cell.xbrl_type, cell.allowed, r.get("factValue", ""))
            if problem:
                self.fail(
                    f"{where}: {r['datapoint']} ({defn.code} {cell.row}/{cell.column}): {problem}"
                )
            self.n_facts += 1

    def value_problem(self, kind: str | None, allowed: tuple[str, ...], value: str) -> str | None:
        if value == "" or value.startswith("#"):
            return f"value {value!r} is empty or a special value"
        if kind in ("m", "i"):
            try:
                number = Decimal(value)
            except InvalidOperation:
                return f"value {value!r} is not a number"
            if not number.is_finite():
                return f"value {value!r} is not a finite number"
            declared = self.params.get("decimalsMonetary" if kind == "m" else "decimalsInteger")
            if declared and declared != "INF" and -number.as_tuple().exponent > int(declared):  # type: ignore[operator]
                return f"value {value!r} has more decimals than the declared {declared}"
        elif kind == "d":
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"value {value!r} is not a date (YYYY-MM-DD)"
        elif kind == "e" and value not in allowed:
            return f"value {value!r} is not one of {', '.join(allowed)}"
        return None
