"""Template definitions as data: the rows, columns, cells (with their datapoints) and the source
of every cell, read from the package's ``templates/`` folder.

Two frameworks are defined:

- ``"4.2"`` — the EBA reporting framework 4.2 (CRR3) tables C 16.01.a/b, C 16.02, C 16.03,
  C 16.04, C 17.01.a/b and C 17.02, derived from the taxonomy extract by
  ``scripts/derive_eba42_definitions.py`` (``eba-4.2.json``, ``eba-4.2-axes.csv``,
  ``eba-4.2-cells.csv``);
- ``"legacy"`` — the Basel II / CRR templates C 16.00, C 17.01, C 17.02 as oprisk lays them out
  (``legacy.json``, ``legacy-axes.csv``, ``legacy-cells.csv``, maintained by hand).

A cell names its **source** (e.g. ``c17|BL3|gross|ET2``): the key the builders compute a value
for. A cell without a source carries the reason it is **not produced**. The builders fill a
:class:`~oprisk.reports.table.Table` from a mapping of sources to values with :func:`fill`; the
writers (XLSX, CSV, JSON, xBRL-CSV) all work from that table and its definition.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from oprisk.errors import ConfigurationError, invalid

from .table import Cutoff, Period, Table

FRAMEWORKS = ("legacy", "4.2")
#: xBRL type codes of the taxonomy → the kind a Table cell is written as
KINDS = {"m": "amount", "i": "count", "d": "date", "e": "enum", "s": "text"}


@dataclass(frozen=True)
class CellDef:
    """One cell of a template: its datapoint (4.2), kind, and source or why it is not produced."""

    row: str  # "0010", or "*" in an open table
    column: str
    kind: str
    source: str | None
    not_produced: str | None
    datapoint: str | None = None
    xbrl_type: str | None = None  # m, i, d, e, s
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Axis:
    code: str
    label: str
    header: bool  # a header row / column: a code and a label, no data


@dataclass(frozen=True)
class TableDef:
    framework: str
    code: str  # "c_17.01.a" / "c17.01"
    template: str  # "C_17-01-a" / "C 17.01"
    name: str  # "C 17.01.a" / "C 17.01": how people name it
    title: str
    filing_indicator: str | None
    url: str | None
    rows: tuple[Axis, ...]
    columns: tuple[Axis, ...]
    keys: tuple[Axis, ...]
    key_names: tuple[str, ...]  # the CSV column names of the keys (qOER, …)
    cells: Mapping[tuple[str, str], CellDef]
    sections: Mapping[str, str] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return bool(self.keys)

    def by_datapoint(self) -> dict[str, CellDef]:
        return {c.datapoint: c for c in self.cells.values() if c.datapoint}


@dataclass(frozen=True)
class Framework:
    name: str
    tables: Mapping[str, TableDef]
    meta: Mapping[str, Any]

    @property
    def filing_indicators(self) -> dict[str, tuple[str, ...]]:
        return {k: tuple(v) for k, v in self.meta.get("filing_indicators", {}).items()}


def _read(name: str) -> str:
    return (resources.files("oprisk.reports") / "templates" / name).read_text(encoding="utf-8")


@cache
def framework(name: str) -> Framework:
    """The definitions of one framework (``"4.2"`` or ``"legacy"``)."""
    if name not in FRAMEWORKS:
        raise ConfigurationError(invalid("framework", name, "must be 4.2 or legacy"))
    prefix = "eba-4.2" if name == "4.2" else "legacy"
    meta = json.loads(_read(f"{prefix}.json"))
    axes: dict[tuple[str, str], list[Axis]] = {}
    for a in csv.DictReader(io.StringIO(_read(f"{prefix}-axes.csv"))):
        axes.setdefault((a["table"], a["axis"]), []).append(
            Axis(a["code"], a["label"].strip(), a["header"] == "1")
        )
    cells: dict[str, dict[tuple[str, str], CellDef]] = {}
    for c in csv.DictReader(io.StringIO(_read(f"{prefix}-cells.csv"))):
        row = "*" if c["row"] == "r*" else c["row"][1:]
        xbrl = c.get("type") or None
        cells.setdefault(c["table"], {})[(row, c["column"][1:])] = CellDef(
            row=row,
            column=c["column"][1:],
            kind=KINDS[xbrl] if xbrl else c["kind"],
            source=c["source"] or None,
            not_produced=c["not_produced"] or None,
            datapoint=c.get("datapoint") or None,
            xbrl_type=xbrl,
            allowed=tuple(v for v in (c.get("allowed") or "").split(";") if v),
        )
    tables = {}
    for code, t in meta["tables"].items():
        keys = tuple(axes.get((code, "key"), ()))
        tables[code] = TableDef(
            framework=name,
            code=code,
            template=t["template"],
            name=t["template"].replace("-", ".").replace("_", " ")
            if name == "4.2"
            else t["template"],
            title=t["title"],
            filing_indicator=t.get("filing_indicator"),
            url=t.get("url"),
            rows=tuple(axes.get((code, "row"), ())),
            columns=tuple(axes.get((code, "column"), ())),
            keys=keys,
            key_names=tuple(k["column"] for k in t["key_columns"]),
            cells=cells[code],
            sections=t.get("sections", {}),
        )
    return Framework(name, tables, meta)


def table_def(code: str) -> TableDef:
    """The definition of a table code of either framework (``c_17.01.a``, ``c17.01``)."""
    fw = framework("4.2" if code.startswith("c_") else "legacy")
    try:
        return fw.tables[code]
    except KeyError:
        raise ConfigurationError(
            invalid("template", code, "must be one of " + ", ".join(fw.tables))
        ) from None


def fill(
    defn: TableDef,
    values: Mapping[str, Any] | Mapping[str, Mapping[str, Any]],
    *,
    period: Period,
    cutoff: Cutoff,
    currency: str,
    notes: tuple[str, ...] = (),
    keys: Mapping[str, tuple[str, ...]] | None = None,
) -> Table:
    """A :class:`Table` for ``defn`` with every produced cell taken from ``values`` by its source.

    Closed tables: ``values`` maps sources to values. Open tables: ``values`` maps each row id to
    its own source → value mapping, and ``keys`` gives each row id's key-column values.
    A source missing from ``values`` leaves its cell empty.
    """
    cells: dict[tuple[str, str], Any] = {}
    if defn.open:
        rows = tuple(values)
        for rid, row_values in values.items():
            assert isinstance(row_values, Mapping)
            for (_, col), c in defn.cells.items():
                if c.source is not None and row_values.get(c.source) is not None:
                    cells[(rid, col)] = row_values[c.source]
        row_labels = {r: r for r in rows}
        row_kinds: dict[str, str] = {}
        na: frozenset[tuple[str, str]] = frozenset()
    else:
        rows = tuple(a.code for a in defn.rows)
        for (row, col), c in defn.cells.items():
            if c.source is not None and values.get(c.source) is not None:
                cells[(row, col)] = values[c.source]
        row_labels = {a.code: a.label for a in defn.rows}
        row_kinds = _row_kinds(defn)
        na = frozenset(
            (r.code, c.code)
            for r in defn.rows
            for c in defn.columns
            if not r.header and not c.header and (r.code, c.code) not in defn.cells
        )
    cell_kinds = {
        (row, col): c.kind
        for (row, col), c in defn.cells.items()
        if not defn.open and c.kind != row_kinds.get(row)
    }
    return Table(
        code=defn.code,
        template=defn.name,
        title=defn.title,
        rows=rows,
        columns=tuple(a.code for a in defn.columns),
        row_labels=row_labels,
        column_labels={a.code: a.label for a in defn.columns},
        row_kinds=row_kinds,
        cells=cells,
        period=period,
        cutoff=cutoff,
        currency=currency,
        notes=notes,
        cell_kinds=cell_kinds,
        column_kinds={col: c.kind for (_, col), c in defn.cells.items()} if defn.open else {},
        sections=tuple(defn.sections.items()),
        na=na,
        header_rows=frozenset(a.code for a in defn.rows if a.header),
        header_columns=frozenset(a.code for a in defn.columns if a.header),
        key_columns=tuple((a.code, a.label) for a in defn.keys),
        keys=dict(keys or {}),
        framework=defn.framework,
    )


def _row_kinds(defn: TableDef) -> dict[str, str]:
    """The kind most cells of a row have (cells that differ get a per-cell kind)."""
    out: dict[str, str] = {}
    for row in {r for r, _ in defn.cells}:
        kinds = [c.kind for (r, _), c in sorted(defn.cells.items()) if r == row]
        out[row] = max(set(kinds), key=lambda k: (kinds.count(k), k))
    return out
