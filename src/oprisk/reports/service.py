"""``db.reports``: build the templates at one knowledge cut-off, export them, verify an export,
validate an xBRL-CSV package."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from oprisk._version import __version__
from oprisk.errors import ConfigurationError, OpriskError, ReportError, invalid
from oprisk.progress import Progress, ProgressOption
from oprisk.progress import progress as progress_of
from oprisk.safefiles import atomic_write

from . import c16 as _c16
from . import c17 as _c17
from . import manifest as mf
from . import pillar3 as _p3
from . import writers, xbrl, xlsx
from .c16_crr3 import c16_eba
from .capital_inputs import CapitalInputs
from .cover import LEGACY_UNCONFIRMED, cover, crr3_findings, profile_dict
from .data import load, resolve_cutoff
from .params import (
    EBA_TABLES,
    FORMATS,
    TEMPLATES,
    Parameters,
    formats_from,
    framework_for,
    framework_note,
    templates_from,
)
from .results import Built, ExportResult, VerifyReport
from .table import Cutoff, Period, Table
from .validate import ValidationReport, validate

if TYPE_CHECKING:
    from oprisk.ports import AsOf, Queries, Transactions
    from oprisk.services.capital import CapitalService

__all__ = ["FORMATS", "TEMPLATES", "ExportResult", "Parameters", "Reports", "VerifyReport"]
COREP = {"legacy": ("c16", "c17.01", "c17.02"), "4.2": tuple(EBA_TABLES)}


class Reports:
    """COREP (legacy C 16.00 / C 17.01 / C 17.02, or EBA 4.2 C 16.01–C 17.02) and Pillar 3
    OR1–OR3 from this database (``db.reports``).

    Every method takes ``period`` (``"2025"``, ``"2025-H1"`` or a reference date such as
    ``"2026-06-30"``) and ``as_of`` (the knowledge cut-off: a position, a timestamp, a date
    meaning the end of that day in UTC, or ``None`` for now). The DataFrames are indexed by the
    template's row codes with one column per column code; ``attrs`` carry the labels, the period
    and the cut-off (position and time).
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

    def c17_01(self, period: str, as_of: AsOf = None, **kw: Any) -> pd.DataFrame:
        """C 17.01 (legacy; EBA 4.2: ``table("c_17.01.a", …)``): losses and recoveries by
        business line × event type. Keywords: ``threshold``, ``currency``,
        ``include_credit_boundary``."""
        return self.table("c17.01", period, as_of, self._params(**kw)).to_frame()

    def c17_02(
        self, period: str, as_of: AsOf = None, *, threshold: Any = None, **kw: Any
    ) -> pd.DataFrame:
        """C 17.02 (legacy): one row per (root) event with an aggregated gross loss ≥ ``threshold``
        (100,000)."""
        return self.table(
            "c17.02", period, as_of, self._params(large_loss=threshold, **kw)
        ).to_frame()

    def c16(self, period: str, as_of: AsOf = None, **kw: Any) -> pd.DataFrame:
        """C 16.00 (legacy): relevant indicator, loans and advances and own funds requirement
        (``approach`` bia / tsa / asa)."""
        return self.table("c16", period, as_of, self._params(**kw)).to_frame()

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
        self, code: str, period: str, as_of: AsOf, *, threshold: Any = None, **kw: Any
    ) -> pd.DataFrame:
        return self.table(
            code, period, as_of, self._params(sa_threshold=threshold, **kw)
        ).to_frame()

    # --- building ---------------------------------------------------------------------------------

    def table(
        self,
        template: str,
        period: str | Period,
        as_of: AsOf = None,
        params: Parameters | None = None,
    ) -> Table:
        """One table as a :class:`Table`: a legacy template (``c17.01``), an OR template, or an
        EBA 4.2 table (``c_17.01.a``; the framework is then 4.2)."""
        prm = params or self._params()
        if template.startswith("c_"):
            prm = dataclasses.replace(prm, framework="4.2")
            name = next((n for n, codes in EBA_TABLES.items() if template in codes), template)
            built = self.build([name], period, as_of, prm)
            return next(t for t in built.tables if t.code == template)
        return self.build([template], period, as_of, prm).tables[0]

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
        return self.build(templates, period, as_of, params, cutoff=cutoff).tables

    def build(
        self,
        templates: str | Iterable[str] | None,
        period: str | Period,
        as_of: AsOf = None,
        params: Parameters | None = None,
        *,
        cutoff: Cutoff | None = None,
        progress: ProgressOption = False,
    ) -> Built:
        """The tables of ``templates`` (``None``: the framework's COREP templates; under 4.2,
        C 17 only when CRR3 Art 316 asks for the annual loss calculation). ``progress``: one step
        per template (see :mod:`oprisk.progress`; silent by default)."""
        per = Period.parse(period)
        prm = params or self._params()
        fw = framework_for(per, prm.framework)
        names = templates_from(templates if templates is not None else COREP[fw], fw)
        bar = progress_of(progress, desc="export", unit="steps")
        bar.grow(len(names) + 1)
        try:
            with self.capital.sharing():  # the templates share the loss data and the SA run
                return self._build(names, per, prm, fw, as_of, cutoff, templates is None, bar)
        finally:
            if not isinstance(progress, Progress):
                bar.close()

    def _build(
        self,
        names: list[str],
        per: Period,
        prm: Parameters,
        fw: str,
        as_of: AsOf,
        cutoff: Cutoff | None,
        default: bool,
        bar: Progress,
    ) -> Built:
        cut = cutoff or resolve_cutoff(self.uow, as_of)
        cap = CapitalInputs(self.capital, cut, prm.currency, prm.legal_entity)
        out: list[Table] = []
        crr3 = None
        c16_first = fw == "4.2" and any(n.startswith("c16") for n in names)

        def read_losses(share: bool) -> Any:
            bar.set_description("export: read the losses")
            return load(
                self.uow,
                cut,
                prm.currency,
                include_credit_boundary=prm.include_credit_boundary,
                share=self.capital.share_inputs if share else None,
            )

        data = None
        # read first when C 17 is surely exported (a default 4.2 export drops it when C 16's
        # run finds Art 316 does not ask for it), so that C 16 and OR1-OR3 share its reads
        if any(n.startswith("c17") for n in names) and not (default and c16_first):
            data = read_losses(share=any(n.startswith(("c16", "or")) for n in names))
        if c16_first:
            bar.set_description("export: c16 (EBA 4.2)")
            c16s, run = self._guard(
                "c16",
                lambda: c16_eba(
                    cap,
                    per,
                    threshold=prm.sa_threshold,
                    subsidiaries=dict(prm.subsidiaries),
                    art316_waiver=prm.art316_waiver,
                    fc_approach=prm.fc_approach,
                ),
            )
            crr3 = crr3_findings(run)
            if default and run.result.art316 and not run.result.art316.required:
                names = [n for n in names if not n.startswith("c17")]
            out += [
                t for t in c16s if any(t.code in EBA_TABLES[n] for n in names if n in EBA_TABLES)
            ]
        if data is None and any(n.startswith("c17") for n in names):
            data = read_losses(share=False)  # C 16's run has read the capital loss data
        bar.update()
        for name in names:
            bar.set_description(f"export: {name}")
            if not (fw == "4.2" and name.startswith("c16")):
                out += self._guard(name, lambda name=name: self._one(name, fw, data, cap, per, prm))
            bar.update()
        return Built(fw, names, out, crr3)

    def _one(
        self, name: str, fw: str, data: Any, cap: CapitalInputs, per: Period, prm: Parameters
    ) -> list[Table]:
        if name == "c17.01":
            if fw == "4.2":
                return _c17.c17_01_eba(data, per, threshold=prm.threshold)
            return [_c17.c17_01(data, per, threshold=prm.threshold)]
        if name == "c17.02":
            return [_c17.c17_02(data, per, threshold=prm.large_loss, eba=fw == "4.2")]
        if name == "c16":
            return [_c16.c16(cap, per, approach=prm.approach)]
        builder = {"or1": _p3.or1, "or2": _p3.or2, "or3": _p3.or3}[name]
        return [builder(cap, per, profile=prm.profile, threshold=prm.sa_threshold)]

    @staticmethod
    def _guard(name: str, build: Any) -> Any:
        """Run a builder; a failure names the template it happened in."""
        try:
            return build()
        except OpriskError as err:
            if isinstance(err, ReportError) or str(err).startswith(f"{name}:"):
                raise
            try:
                again = type(err)(f"{name}: {err}")
            except TypeError:
                raise err from None
            raise again from err

    # --- export, verify, validate -----------------------------------------------------------------

    def export(
        self,
        templates: str | Iterable[str] | None,
        period: str,
        as_of: AsOf = None,
        fmt: str | Sequence[str] = "xlsx",
        out_dir: str | Path = ".",
        *,
        params: Parameters | None = None,
        force: bool = False,
        sign: tuple[Any, str] | None = None,
        progress: ProgressOption = None,
        **kw: Any,
    ) -> ExportResult:
        """Build the templates at one cut-off, write them in ``fmt`` and ``manifest.json`` into
        ``out_dir``. ``templates=None`` exports the framework's COREP templates.

        Keyword arguments are :class:`Parameters` fields (``framework``, ``threshold``,
        ``large_loss``, ``approach``, ``profile``, ``sa_threshold``, ``legal_entity``, ``entity``,
        ``currency`` …). ``fmt`` may include ``xbrl-csv`` (framework 4.2, with ``entity``). A
        non-empty ``out_dir`` is refused unless ``force`` (files the new manifest does not list
        are then removed); ``sign`` = (Ed25519 private key, signer) signs the manifest. Files are
        written atomically, never through a symlink, mode 0640. ``progress``: a step per template,
        format and manifest check (see :mod:`oprisk.progress`).
        """
        prm = params or self._params(**kw)
        formats = formats_from(fmt)
        per = Period.parse(period)
        prm = dataclasses.replace(prm, framework=framework_for(per, prm.framework))
        if "xbrl-csv" in formats and (prm.framework != "4.2" or prm.entity is None):
            raise ConfigurationError(
                invalid("format", "xbrl-csv", "needs framework 4.2 and the entity's LEI (--entity)")
            )
        bar = progress_of(progress, desc="export", unit="steps")
        try:
            return self._export(
                templates, per, as_of, formats, Path(out_dir), prm, force, sign, bar
            )
        finally:
            bar.close()

    def _export(
        self,
        templates: str | Iterable[str] | None,
        per: Period,
        as_of: AsOf,
        formats: list[str],
        out: Path,
        prm: Parameters,
        force: bool,
        sign: tuple[Any, str] | None,
        bar: Progress,
    ) -> ExportResult:
        bar.grow(len(formats) + 2)  # each format, then the log's digest and checkpoint
        cut = resolve_cutoff(self.uow, as_of)
        built = self.build(templates, per, params=prm, cutoff=cut, progress=bar)
        tables = built.tables
        before = mf.prepare_folder(out, force)
        out.mkdir(parents=True, exist_ok=True)
        files: dict[str, bytes] = {}
        meta = {"generator": f"oprisk {__version__}", "parameters": prm.to_dict()}
        indicators = None
        for f in formats:
            bar.set_description(f"export: write {f}")
            if f == "xlsx":
                files[f"oprisk-{per.label}.xlsx"] = xlsx.xlsx_bytes(
                    tables, cover(tables, per, cut, prm, __version__), cut.time
                )
            elif f == "xbrl-csv":
                eba = [t for t in tables if t.framework == "4.2"]
                name, data, indicators = xbrl.package(eba, prm, per, cut.time)
                files[name] = data
            else:
                for t in tables:
                    files[f"{t.code}.{f}"] = (
                        writers.csv_bytes(t) if f == "csv" else writers.json_bytes(t, meta)
                    )
            bar.update()
        for name, data in files.items():
            atomic_write(out / name, data)
        asked = (
            as_of.isoformat()
            if isinstance(as_of, date | datetime)
            else (None if as_of is None else str(as_of))
        )
        digests = {name: mf.sha256(data) for name, data in sorted(files.items())}
        bar.set_description("export: the log's digest")
        log_digest = mf.log_digest(self.uow, cut.position)
        bar.update()
        bar.set_description("export: the log's checkpoint")
        checkpoint = mf.checkpoint(self.uow, cut.position)
        bar.update()
        manifest: dict[str, Any] = {
            "format": mf.FORMAT,
            "generator": "oprisk.reports",
            "oprisk_version": __version__,
            "knowledge_cutoff": {**cut.to_dict(), "as_of": asked},
            "inputs": {
                "log_digest_sha256": log_digest,
                "facts": cut.position,
            },
            "period": per.to_dict(),
            "framework": built.framework,
            "templates": built.templates,
            "asked_templates": None
            if templates is None
            else templates_from(templates, built.framework),
            "formats": formats,
            "parameters": prm.to_dict(),
            "profile": profile_dict(prm.profile)
            if any(n.startswith("or") for n in built.templates)
            else None,
            "crr3": built.crr3,
            "filing_indicators": indicators,
            "notes": {
                **({"framework": note} if (note := framework_note(per, built.framework)) else {}),
                **{t.code: list(t.notes) for t in tables if t.notes},
            },
            "unconfirmed": LEGACY_UNCONFIRMED if built.framework == "legacy" else None,
            "files": digests,
            "checkpoint": checkpoint,
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
        out = Path(out_dir)
        m = mf.read(out)
        problems, notes = mf.signature_problems(m, public_key)
        problems += mf.folder_problems(out, m) + mf.log_problems(self.uow, m)
        files: dict[str, str] = m["files"]
        cut = m["knowledge_cutoff"]
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
                    m.get("asked_templates", m["templates"]),
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

    @staticmethod
    def validate(package: str | Path) -> ValidationReport:
        """Structural validation of an xBRL-CSV report package (see :mod:`.validate`)."""
        return validate(package)
