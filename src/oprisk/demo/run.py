"""``oprisk demo``: generate the demo bank, load it through the real loader, compute capital
(BIA, TSA, ASA, SA, LDA), write the regulatory exports and print a short summary.

Files written to ``out``: ``incidents-grc-2026-01.csv`` (English, canonical columns, with a few
deliberately bad rows), ``incidents-grc-2026-02.csv`` (the same register a month later),
``movements-grc.csv``, ``incidents-cn.xlsx`` (the Chinese subsidiary's register, zh-CN headers,
amounts in 万元), ``financials.csv``, the ICAAP data (``scenarios-workshops.csv``,
``scenarios-cn.csv``, ``external-losses.csv``; :mod:`oprisk.demo.icaap`), the rejects files,
``demo.db`` and ``exports/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from oprisk.demo import icaap
from oprisk.demo.bank import ENTITY, Bank, generate
from oprisk.demo.controls import record_control_assessments
from oprisk.progress import ProgressOption
from oprisk.progress import progress as progress_of
from oprisk.store.engine import mask_url

#: CNY → EUR year-start rates used for the Chinese subsidiary (illustrative)
CNY_EUR = {
    2016: "0.138",
    2017: "0.128",
    2018: "0.121",
    2019: "0.128",
    2020: "0.128",
    2021: "0.118",
    2022: "0.135",
    2023: "0.133",
    2024: "0.130",
    2025: "0.128",
}
BAD_ROWS = [  # deliberately bad rows: the loader rejects them and says why
    {
        "external_id": "GRC-BAD-1",
        "title": "Unknown category",
        "event_type": "Alien invasion",
        "business_line": "BL3",
        "discovered_on": "2025-03-01",
        "accounted_on": "2025-03-02",
        "currency": "EUR",
        "gross_loss": "25000",
        "legal_entity": ENTITY,
    },
    {
        "external_id": "GRC-BAD-2",
        "title": "Dates out of order",
        "event_type": "ET7",
        "business_line": "BL3",
        "occurred_on": "2025-05-10",
        "discovered_on": "2025-04-01",
        "accounted_on": "2025-05-11",
        "currency": "EUR",
        "gross_loss": "18000",
        "legal_entity": ENTITY,
    },
    {
        "external_id": "GRC-BAD-3",
        "title": "Negative amount",
        "event_type": "ET2",
        "business_line": "BL3",
        "discovered_on": "2025-02-01",
        "accounted_on": "2025-02-02",
        "currency": "EUR",
        "gross_loss": "-5000",
        "legal_entity": ENTITY,
    },
    {
        "external_id": "GRC-00001",
        "title": "Duplicate id",
        "event_type": "ET7",
        "business_line": "BL3",
        "discovered_on": "2025-02-01",
        "accounted_on": "2025-02-02",
        "currency": "EUR",
        "gross_loss": "12000",
        "legal_entity": ENTITY,
    },
]


def write_files(bank: Bank, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "v1": out / "incidents-grc-2026-01.csv",
        "v2": out / "incidents-grc-2026-02.csv",
        "movements": out / "movements-grc.csv",
        "cn": out / "incidents-cn.xlsx",
        "financials": out / "financials.csv",
        "scenarios": out / "scenarios-workshops.csv",
        "scenarios_cn": out / "scenarios-cn.csv",
        "external": out / "external-losses.csv",
    }
    v1 = pd.concat([bank.incidents, pd.DataFrame(BAD_ROWS)], ignore_index=True)
    v1.to_csv(paths["v1"], index=False, lineterminator="\n")
    bank.incidents_v2.to_csv(paths["v2"], index=False, lineterminator="\n")
    bank.movements.to_csv(paths["movements"], index=False, lineterminator="\n")
    bank.financials.to_csv(paths["financials"], index=False, lineterminator="\n")
    _write_cn_xlsx(bank.incidents_cn, paths["cn"])
    icaap.scenarios_en().to_csv(paths["scenarios"], index=False, lineterminator="\n")
    icaap.scenarios_cn().to_csv(paths["scenarios_cn"], index=False, lineterminator="\n")
    icaap.external_losses(bank.seed).to_csv(paths["external"], index=False, lineterminator="\n")
    return paths


def load_icaap_data(db: Any, paths: dict[str, Path]) -> list[Any]:
    """Load the scenario workshops and the external losses; a reviewer (a second person)
    approves every scenario but the unauthorised-trading one, left as a draft."""
    reports = [
        db.load(paths["scenarios"], kind="scenarios", source="workshops", actor="demo.loader",
                progress=False),
        db.load(paths["scenarios_cn"], kind="scenarios", mapping="zh-CN", source="workshops-cn",
                actor="demo.loader", progress=False),
        db.load(paths["external"], kind="external", source="ORX", actor="demo.loader",
                progress=False),
    ]  # fmt: skip
    for sid in db.scenarios().query("status == 'draft'").scenario_id:
        if sid != "SC-BL2-ROGUE":
            db.approve_scenario(sid, actor=REVIEWER)
    return reports


def _write_cn_xlsx(df: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "损失事件"
    ws.append(["演示银行（中国）有限公司 操作风险损失事件台账（金额单位：万元）"])
    ws.append([])
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    for col, width in zip(
        "ABCDEFGHIJKLMNOP", (14, 30, 40, 18, 12, 10, 24, 12, 12, 12, 14, 14, 14, 10), strict=False
    ):
        ws.column_dimensions[col].width = width
    wb.save(path)


def approve_exclusions(db: Any) -> int:
    """The loader records a supervisory exclusion as a request; a reviewer (a second actor)
    approves them, so they count from here on (four eyes)."""
    from oprisk.domain import commands as c

    events = db.losses(include_withdrawn=True)
    pending = events[(events.pending == "exclusion") & (events.status != "withdrawn")]
    db.execute(
        [
            c.ApproveRequest(event_id=eid, actor=REVIEWER, request="exclusion")
            for eid in pending.event_id
        ]
    )
    return len(pending)


REVIEWER = "demo.reviewer"


def run_demo(
    db_url: str | None,
    out: Path,
    seed: int,
    echo: Callable[[str], Any] = print,
    progress: ProgressOption = False,
) -> dict[str, Any]:
    """Generate the demo bank, load it, compute capital and the LDA, export, verify; report the
    stages to ``progress`` (see :mod:`oprisk.progress`) as they run."""
    from oprisk.api import connect

    started = time.perf_counter()
    stages = progress_of(progress, total=7, desc="demo", unit="stages")
    out.mkdir(parents=True, exist_ok=True)
    if db_url is None:
        db_path = out / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{db_path.resolve()}"
    stages.set_description("demo: generating the bank")
    bank = generate(seed)
    paths = write_files(bank, out)
    stages.update()
    echo(f"demo bank (seed {seed}): {len(bank.incidents):,} loss events 2016–2025, files in {out}/")
    db = connect(db_url)
    if db.position():
        raise SystemExit(
            f"the demo needs an empty database; {mask_url(db_url)} already holds {db.position()} facts"
        )
    echo(f"database: {mask_url(db_url)}")

    stages.set_description("demo: loading the registers")
    reports = [
        db.load(
            paths["financials"],
            kind="financials",
            source="ledger",
            actor="demo.loader",
            progress=False,
        ),
        db.load(paths["v1"], kind="incidents", source="GRC", actor="demo.loader", progress=False),
        db.load(
            paths["cn"],
            kind="incidents",
            mapping="zh-CN",
            source="BRANCH-CN",
            actor="demo.loader",
            progress=False,
        ),
        db.load(
            paths["movements"], kind="movements", source="GRC", actor="demo.loader", progress=False
        ),
    ]
    approve_exclusions(db)
    stages.update()
    for year, rate in CNY_EUR.items():
        db.record_fx_rate("CNY", date(year, 1, 1), rate, actor="treasury")
    first_cut = db.position()
    reports.append(
        db.load(paths["v2"], kind="incidents", source="GRC", actor="demo.loader", progress=False)
    )
    approve_exclusions(db)
    reports += load_icaap_data(db, paths)
    record_control_assessments(db, seed)
    stages.update()
    echo("\nloads (rows read / new / changed / unchanged / rejected / facts):")
    for r in reports:
        name = Path(r.paths[0]).name
        echo(
            f"  {name:<28} {r.rows_read:>6} {r.loaded:>6} {r.changed:>6} {r.unchanged:>6} {r.rejected:>4} {r.facts_appended:>7}"
        )
        for rej in r.rejects[:4]:
            echo(f"      rejected line {rej.line}: {'; '.join(rej.messages)[:110]}")

    stages.set_description("demo: capital")
    cap = db.capital
    year = 2025
    bia = cap.bia(year)
    tsa = cap.tsa(year)
    asa = cap.asa(year)
    # the loss threshold is the default everywhere: EUR 20,000 (OPE25; CRR3 Art 319(1))
    sa = cap.sa(year, profile="basel", bi_unit="1e6")
    sa_then = cap.sa(year, as_of=first_cut, profile="basel", bi_unit="1e6")
    sa_eu = cap.sa(year, profile="eu-crr3", bi_unit="1e6")
    stages.update()
    stages.set_description("demo: LDA")
    lda = cap.lda(
        year,
        uom="et",
        n_simulations=100_000,
        random_state=seed,
        families=("lognormal", "loglogistic", "weibull", "pareto"),
    )
    stages.update()
    stages.set_description("demo: exports")
    export = db.reports.export(
        "all",
        str(year),
        as_of=first_cut,
        fmt=["xlsx", "csv"],
        out_dir=out / "exports",
        profile="basel",
        legal_entity=None,
        force=True,  # the demo's own folder: an earlier run's export is replaced
        progress=False,  # the demo's own bar shows this stage
    )
    m = 1e6
    summary = pd.DataFrame(
        [
            ("BIA (Basel II)", float(bia.capital) / m, "15 % × average positive gross income"),
            ("TSA (Basel II)", float(tsa.capital) / m, "β by business line, floored yearly"),
            ("ASA (Basel II)", float(asa.capital) / m, "retail/commercial on loans and advances"),
            ("SA: BI (Basel III)", float(sa.bi), "ILDC + SC + FC, 3-year averages"),
            ("SA: BIC", float(sa.bic.bic), f"bucket {sa.bic.bucket}"),
            ("SA: LC", float(sa.lc), "15 × average annual net loss ≥ 20k, 10 years"),
            ("SA: ILM (ratio)", float(sa.ilm), f"ln(e − 1 + (LC/BIC)^0.8); rule: {sa.ilm_rule}"),
            (
                "SA: ORC (basel)",
                float(sa.orc),
                f"as known at position {first_cut}: {float(sa_then.orc):,.2f}",
            ),
            ("SA: ORC (eu-crr3)", float(sa_eu.orc), "ILM = 1 (CRR3 Art 312)"),
            (
                f"LDA VaR 99.9 % ({lda.copula})",
                lda.portfolio_var / m,
                f"{len(lda.units)} units by event type, {lda.n_simulations:,} years",
            ),
        ],
        columns=["figure", "value (EUR m)", "note"],
    )
    echo("\ncapital for 2025 (EUR m):")
    echo(summary.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    echo(
        f"\nexports as known at position {first_cut}: {out / 'exports'} ({len(export.files)} files, manifest.json)"
    )
    stages.update()
    stages.set_description("demo: verify")
    echo(f"verify: {db.verify()}")
    stages.update()
    stages.close()
    if db_url.startswith("sqlite:///"):
        echo(
            "\nnotebooks: pip install -e '.[notebooks]', then\n"
            f"  OPRISK_DATABASE_URL={db_url} jupyter lab notebooks/"
        )
    echo(f"done in {time.perf_counter() - started:.1f} s")
    db.close()
    return {"db_url": db_url, "cutoff": first_cut, "summary": summary, "loads": reports}
