"""``db.reports``: build the templates at one knowledge cut-off, export them, verify an export."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from oprisk.errors import ConfigurationError, OpriskError, ReportError, invalid
from oprisk.safefiles import atomic_write

from . import c16 as _c16
from . import c17 as _c17
from . import manifest as mf
from . import pillar3 as _p3
from . import writers
from .capital_inputs import CapitalInputs
from .data import load, resolve_cutoff
from .table import Cutoff, Period, Table

if TYPE_CHECKING:
    from oprisk.ports import AsOf, Queries, Transactions
    from oprisk.services.capital import CapitalService

TEMPLATES = ("c16", "c17.01", "c17.02", "or1", "or2", "or3")
FORMATS = ("xlsx", "csv", "json")


@dataclass(frozen=True)
class Parameters:
    """Every choice an export depends on (recorded in the manifest)."""

    currency: str
    threshold: Decimal = Decimal(10_000)  # C 17.01 data-collection threshold (reporting currency)
    large_loss: Decimal = Decimal(100_000)  # C 17.02 threshold
    include_credit_boundary: bool = False  # C 17: credit-risk boundary losses
    approach: str = "tsa"  # C 16.00: bia | tsa | asa
    profile: str = "basel"  # OR1-OR3: jurisdiction profile
    sa_threshold: Decimal = Decimal(20_000)  # OR1 row 13 / OR3: loss threshold of the ILM
    legal_entity: str | None = None  # C 16 / OR: the entity of the financial inputs

    def __post_init__(self) -> None:
        for name in ("threshold", "large_loss", "sa_threshold"):
            value = getattr(self, name)
            try:
                d = Decimal(str(value))
            except ArithmeticError:
                raise ConfigurationError(invalid(name, value, "must be a number")) from None
            if not d.is_finite() or d < 0:
                raise ConfigurationError(invalid(name, value, "must be a number ≥ 0"))
            object.__setattr__(self, name, d)
        if self.approach not in ("bia", "tsa", "asa"):
            raise ConfigurationError(invalid("approach", self.approach, "must be bia, tsa or asa"))

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: (format(v, "f") if isinstance(v := getattr(self, f.name), Decimal) else v)
            for f in dataclasses.fields(self)
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Parameters:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class ExportResult:
    out_dir: Path
    files: dict[str, str]  # name → sha256
    manifest: dict[str, Any]


@dataclass(frozen=True)
class VerifyReport:
    out_dir: Path
    ok: bool
    checked: tuple[str, ...]
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        if self.ok:
            return f"ok: {len(self.checked)} file(s) in {self.out_dir} reproduced byte for byte"
        return "\n".join(["FAILED:", *(f"  {p}" for p in self.problems)])


def templates_from(names: str | Iterable[str]) -> list[str]:
    items = [names] if isinstance(names, str) else list(names)
    out: list[str] = []
    for raw in items:
        for name in str(raw).replace(",", " ").split():
            key = name.strip().lower().replace("c17_", "c17.").replace("c16.00", "c16")
            picked = list(TEMPLATES) if key == "all" else [key]
            for k in picked:
                if k not in TEMPLATES:
                    raise ConfigurationError(
                        invalid("template", name, f"must be one of {', '.join(TEMPLATES)} or all")
                    )
                if k not in out:
                    out.append(k)
    if not out:
        raise ConfigurationError("no template asked for")
    return [t for t in TEMPLATES if t in out]


def formats_from(fmt: str | Iterable[str]) -> list[str]:
    items = [fmt] if isinstance(fmt, str) else list(fmt)
    asked = {f.strip().lower() for raw in items for f in str(raw).split(",") if f.strip()}
    bad = sorted(asked - set(FORMATS))
    if bad or not asked:
        raise ConfigurationError(invalid("format", fmt, f"must be {', '.join(FORMATS)}"))
    return [f for f in FORMATS if f in asked]


class Reports:
    """COREP C 16.00 / C 17.01 / C 17.02 and Pillar 3 OR1–OR3 from this database (``db.reports``).

    Every method takes ``period`` (``"2025"`` or ``"2025-H1"``) and ``as_of`` (the knowledge
    cut-off: a position, a timestamp, a date meaning the end of that day in UTC, or ``None`` for
    now). The DataFrames are indexed by the template's row codes with one column per column code;
    ``attrs`` carry the labels, the period and the cut-off (position and time).
    """

    def __init__(self, uow: Transactions, queries: Queries, capital: CapitalService) -> None:
        self.uow = uow
        self.queries = queries
        self.capital = capital

    def __repr__(self) -> str:
        return f"<Reports on {self.queries!r}>"

    def _params(self, currency: str | None = None, **kw: Any) -> Parameters:
        from oprisk.domain.money import currency_code

        return Parameters(
            currency=currency_code(currency or self.queries.reporting_currency, "currency"),
            **{k: v for k, v in kw.items() if v is not None},
        )

    # --- single templates -------------------------------------------------------------------------

    def c17_01(
        self,
        period: str,
        as_of: AsOf = None,
        *,
        threshold: Any = None,
        currency: str | None = None,
        include_credit_boundary: bool = False,
    ) -> pd.DataFrame:
        """C 17.01: losses and recoveries by business line (row blocks) × event type (columns)."""
        p = self._params(
            currency, threshold=threshold, include_credit_boundary=include_credit_boundary
        )
        return self.table("c17.01", period, as_of, p).to_frame()

    def c17_02(
        self,
        period: str,
        as_of: AsOf = None,
        *,
        threshold: Any = None,
        currency: str | None = None,
        include_credit_boundary: bool = False,
    ) -> pd.DataFrame:
        """C 17.02: one row per (root) event with an aggregated gross loss ≥ ``threshold`` (100,000)."""
        p = self._params(
            currency, large_loss=threshold, include_credit_boundary=include_credit_boundary
        )
        return self.table("c17.02", period, as_of, p).to_frame()

    def c16(
        self,
        period: str,
        as_of: AsOf = None,
        *,
        approach: str = "tsa",
        legal_entity: str | None = None,
        currency: str | None = None,
    ) -> pd.DataFrame:
        """C 16.00: relevant indicator, loans and advances and own funds requirement (BIA / TSA / ASA)."""
        p = self._params(currency, approach=approach, legal_entity=legal_entity)
        return self.table("c16", period, as_of, p).to_frame()

    def or1(self, period: str, as_of: AsOf = None, **kw: Any) -> pd.DataFrame:
        """OR1: ten years of net losses at the 20,000 and 100,000 thresholds; the ILM-use rows."""
        return self._pillar3("or1", period, as_of, **kw)

    def or2(self, period: str, as_of: AsOf = None, **kw: Any) -> pd.DataFrame:
        """OR2: the Business Indicator and its sub-components for three years."""
        return self._pillar3("or2", period, as_of, **kw)

    def or3(self, period: str, as_of: AsOf = None, **kw: Any) -> pd.DataFrame:
        """OR3: BIC, ILM, minimum required capital and RWA."""
        return self._pillar3("or3", period, as_of, **kw)

    def _pillar3(
        self,
        code: str,
        period: str,
        as_of: AsOf,
        *,
        profile: str = "basel",
        threshold: Any = None,
        legal_entity: str | None = None,
        currency: str | None = None,
    ) -> pd.DataFrame:
        p = self._params(
            currency, profile=profile, sa_threshold=threshold, legal_entity=legal_entity
        )
        return self.table(code, period, as_of, p).to_frame()

    # --- building ---------------------------------------------------------------------------------

    def table(
        self,
        template: str,
        period: str | Period,
        as_of: AsOf = None,
        params: Parameters | None = None,
    ) -> Table:
        """One template as a :class:`Table` (cells, labels, kinds, cut-off)."""
        return self.tables([template], period, as_of, params)[0]

    def tables(
        self,
        templates: str | Iterable[str],
        period: str | Period,
        as_of: AsOf = None,
        params: Parameters | None = None,
        *,
        cutoff: Cutoff | None = None,
    ) -> list[Table]:
        """Several templates read at **one** knowledge cut-off."""
        names = templates_from(templates)
        per = Period.parse(period)
        prm = params or self._params()
        cut = cutoff or resolve_cutoff(self.uow, as_of)
        out: list[Table] = []
        data = None
        if any(n.startswith("c17") for n in names):
            data = load(
                self.uow, cut, prm.currency, include_credit_boundary=prm.include_credit_boundary
            )
        cap = CapitalInputs(self.capital, cut, prm.currency, prm.legal_entity)
        for name in names:
            try:
                if name == "c17.01":
                    assert data is not None
                    out.append(_c17.c17_01(data, per, threshold=prm.threshold))
                elif name == "c17.02":
                    assert data is not None
                    out.append(_c17.c17_02(data, per, threshold=prm.large_loss))
                elif name == "c16":
                    out.append(_c16.c16(cap, per, approach=prm.approach))
                else:
                    builder = {"or1": _p3.or1, "or2": _p3.or2, "or3": _p3.or3}[name]
                    out.append(builder(cap, per, profile=prm.profile, threshold=prm.sa_threshold))
            except OpriskError as err:
                if isinstance(err, ReportError) or str(err).startswith(f"{name}:"):
                    raise
                try:
                    again = type(err)(f"{name}: {err}")
                except TypeError:
                    raise err from None
                raise again from err
        return out

    # --- export and verify ------------------------------------------------------------------------

    def export(
        self,
        templates: str | Iterable[str],
        period: str,
        as_of: AsOf = None,
        fmt: str | Sequence[str] = "xlsx",
        out_dir: str | Path = ".",
        *,
        params: Parameters | None = None,
        force: bool = False,
        sign: tuple[Any, str] | None = None,
        **kw: Any,
    ) -> ExportResult:
        """Build the templates at one cut-off, write them in ``fmt`` and ``manifest.json`` into ``out_dir``.

        Keyword arguments are :class:`Parameters` fields (``threshold``, ``large_loss``,
        ``approach``, ``profile``, ``sa_threshold``, ``legal_entity``, ``currency`` …). A
        non-empty ``out_dir`` is refused unless ``force`` (files the new manifest does not list
        are then removed); ``sign`` = (Ed25519 private key, signer) signs the manifest. Files are
        written atomically, never through a symlink, mode 0640.
        """
        from oprisk import __version__

        prm = params or self._params(**kw)
        names = templates_from(templates)
        formats = formats_from(fmt)
        per = Period.parse(period)
        cut = resolve_cutoff(self.uow, as_of)
        tables = self.tables(names, per, params=prm, cutoff=cut)
        out = Path(out_dir)
        before = mf.prepare_folder(out, force)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, bytes] = {}
        meta = {"generator": f"oprisk {__version__}", "parameters": prm.to_dict()}
        for f in formats:
            if f == "xlsx":
                files[f"oprisk-{per.label}.xlsx"] = writers.xlsx_bytes(
                    tables, _cover(tables, per, cut, prm, __version__), cut.time
                )
            else:
                for t in tables:
                    files[f"{t.code}.{f}"] = (
                        writers.csv_bytes(t) if f == "csv" else writers.json_bytes(t, meta)
                    )
        for name, data in files.items():
            atomic_write(out / name, data)
        asked = (
            as_of.isoformat()
            if isinstance(as_of, date | datetime)
            else (None if as_of is None else str(as_of))
        )
        digests = {name: mf.sha256(data) for name, data in sorted(files.items())}
        manifest: dict[str, Any] = {
            "format": mf.FORMAT,
            "generator": "oprisk.reports",
            "oprisk_version": __version__,
            "knowledge_cutoff": {**cut.to_dict(), "as_of": asked},
            "inputs": {
                "log_digest_sha256": mf.log_digest(self.uow, cut.position),
                "facts": cut.position,
            },
            "period": per.to_dict(),
            "templates": names,
            "formats": formats,
            "parameters": prm.to_dict(),
            "profile": _profile(prm.profile) if any(n.startswith("or") for n in names) else None,
            "files": digests,
            "checkpoint": mf.checkpoint(self.uow, cut.position),
        }
        if sign is not None:
            manifest = mf.sign(manifest, *sign)
        atomic_write(out / mf.NAME, mf.dumps(manifest))
        for stale in before:
            if stale.name not in files and stale.name != mf.NAME:
                stale.unlink()
        return ExportResult(out, digests, manifest)

    def verify(self, out_dir: str | Path, public_key: Any = None) -> VerifyReport:
        """Re-run an export from its manifest (into a temporary directory) and compare every hash;
        check the manifest's signature (against ``public_key``), that the folder holds no file
        the manifest does not list, and that the log still has the checkpoint it records."""
        from oprisk import __version__

        out = Path(out_dir)
        m = mf.read(out)
        problems, notes = mf.signature_problems(m, public_key)
        problems += [f"{name}: in {out} but not in the manifest" for name in mf.unlisted(out, m)]
        files: dict[str, str] = m["files"]
        for name, digest in sorted(files.items()):
            path = out / name
            if not path.is_file():
                problems.append(f"{name}: missing from {out}")
            elif mf.file_sha256(path) != digest:
                problems.append(
                    f"{name}: its bytes differ from the SHA-256 recorded in the manifest (changed since export)"
                )
        cut = m["knowledge_cutoff"]
        position, time = self.uow.cutoff(int(cut["position"]))
        if position != cut["position"]:
            problems.append(
                f"the log ends at position {position}, before the export's cut-off {cut['position']}"
            )
        elif Cutoff(position, time).time_iso != cut["time"]:
            problems.append(
                f"position {position} was recorded at {Cutoff(position, time).time_iso}, "
                f"the manifest says {cut['time']}: this is not the database the export was made from"
            )
        elif mf.log_digest(self.uow, position) != m["inputs"]["log_digest_sha256"] or (
            "checkpoint" in m and mf.checkpoint(self.uow, position) != m["checkpoint"]
        ):
            problems.append(
                f"the event log up to position {position} differs from the one the export read"
            )
        if m.get("oprisk_version") != __version__:
            notes.append(
                f"exported with oprisk {m.get('oprisk_version')}, re-run with {__version__}"
            )
        if not problems or all(
            "changed since export" in p or "missing" in p or "not in the manifest" in p
            for p in problems
        ):
            with tempfile.TemporaryDirectory(prefix="oprisk-verify-") as tmp:
                again = self.export(
                    m["templates"],
                    m["period"]["label"],
                    int(cut["position"]),
                    m["formats"],
                    tmp,
                    params=Parameters.from_dict(m["parameters"]),
                )
            for name, digest in sorted(files.items()):
                redo = again.files.get(name)
                if redo is None:
                    problems.append(f"{name}: not produced when re-running the export")
                elif redo != digest:
                    problems.append(
                        f"{name}: re-running the export at position {cut['position']} gives different bytes"
                    )
        return VerifyReport(out, not problems, tuple(sorted(files)), tuple(problems), tuple(notes))


def _profile(name: str) -> dict[str, Any]:
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


def _cover(
    tables: Sequence[Table], period: Period, cut: Cutoff, prm: Parameters, version: str
) -> list[tuple[str, str]]:
    rows = [
        ("Templates", ", ".join(f"{t.template} ({t.title})" for t in tables)),
        (
            "Reporting period",
            f"{period.label}: {period.start.isoformat()} to {period.end.isoformat()}"
            + (" (interim)" if period.interim else ""),
        ),
        ("Reporting currency", prm.currency),
        ("Knowledge cut-off: log position", str(cut.position)),
        ("Knowledge cut-off: recorded time (UTC)", cut.time_iso or "(empty log)"),
    ]
    labels = {
        "threshold": "C 17.01 data-collection threshold",
        "large_loss": "C 17.02 threshold (gross loss)",
        "include_credit_boundary": "C 17 includes credit-boundary losses",
        "approach": "C 16.00 approach",
        "profile": "OR1-OR3 jurisdiction profile",
        "sa_threshold": "OR1 / OR3 loss threshold for the ILM",
        "legal_entity": "Legal entity of the financial inputs",
    }
    for k, v in prm.to_dict().items():
        if k != "currency":
            rows.append((labels.get(k, k), "(the only one recorded)" if v is None else str(v)))
    rows += [
        ("oprisk version", version),
        (
            "How to reproduce",
            "Run `oprisk export --verify DIR` on the export directory: it re-runs the export "
            "from manifest.json at the same log position and compares the SHA-256 of every file.",
        ),
        (
            "Rules",
            "Amounts in the reporting currency, each ledger line converted at its accounting date with "
            "the FX rates known at the cut-off; grouped events reported once under their root; withdrawn "
            "events and gains left out. See docs/reports.md.",
        ),
        (
            "Unconfirmed codes",
            "C 16.00 column 071; C 17.01 rows 0930-0970 and the labels of rows x30 / x70 / x80; "
            "the C 17.02 column list; OR1-OR3 row labels (reference §10).",
        ),
    ]
    return rows
