"""A synthetic bank's ten years of operational losses, calibrated to public loss-data studies.

Calibration (design assumptions, documented in docs/demo.md; reference §8.5):

* business-line count shares and lognormal body parameters per line: the 2002 Loss Data
  Collection Exercise, pooled by business line (Moscadelli 2004, Table 4; μ, σ on ln €'000);
* event-type shares: an assumption following the commonly reported pattern (execution/delivery and
  external fraud dominate counts, clients/products/business practices dominates amounts);
* heavy tails: with probability ``TAIL_PROB`` a loss is drawn from a generalised Pareto tail
  (ξ = ``TAIL_XI``) above the body's 97.5 % quantile; CPBP (ET4) severities are scaled up ×3;
* collection threshold €10,000 (Basel II §673's example): only losses at or above it are recorded;
* lags: discovery after occurrence (exponential, mean 30 days; 240 for ET4), first accounting after
  discovery (mean 20 days); a share of events get a later provision increase, a recovery
  (insurance or other) 2–12 months later, or a receivable not yet paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

BL_SHARES = {
    "BL1": 0.0093,
    "BL2": 0.1126,
    "BL3": 0.6338,
    "BL4": 0.0749,
    "BL5": 0.0406,
    "BL6": 0.0327,
    "BL7": 0.0243,
    "BL8": 0.0717,
}
#: lognormal body per business line: (μ, σ) of ln(loss in €'000) — Moscadelli (2004), Table 4
BL_LOGNORMAL = {
    "BL1": (3.58, 1.71),
    "BL2": (3.64, 1.27),
    "BL3": (3.17, 0.97),
    "BL4": (3.61, 1.41),
    "BL5": (3.37, 1.10),
    "BL6": (3.74, 1.28),
    "BL7": (3.79, 1.28),
    "BL8": (3.58, 1.08),
}
ET_SHARES = {
    "ET1": 0.04,
    "ET2": 0.30,
    "ET3": 0.08,
    "ET4": 0.12,
    "ET5": 0.02,
    "ET6": 0.04,
    "ET7": 0.40,
}
ET_L2 = {
    "ET1": ["ET1.1", "ET1.2"],
    "ET2": ["ET2.1", "ET2.2"],
    "ET3": ["ET3.1", "ET3.2", "ET3.3"],
    "ET4": ["ET4.1", "ET4.2", "ET4.3", "ET4.4", "ET4.5"],
    "ET5": ["ET5.1"],
    "ET6": ["ET6.1"],
    "ET7": ["ET7.1", "ET7.2", "ET7.3", "ET7.4", "ET7.5", "ET7.6"],
}
ET_SEVERITY_SCALE = {"ET4": 3.0}
TAIL_PROB, TAIL_XI, TAIL_QUANTILE = 0.025, 0.9, 0.975
THRESHOLD = 10_000.0
EVENTS_PER_YEAR = 300
FIRST_YEAR, LAST_YEAR = 2016, 2025
ENTITY, ENTITY_CN = "Demo Bank AG", "演示银行（中国）有限公司"
TITLES = {
    "ET1": "Unauthorised trading by employee",
    "ET2": "External fraud: card and payment fraud",
    "ET3": "Employment dispute settlement",
    "ET4": "Client complaint and mis-selling redress",
    "ET5": "Damage to branch premises",
    "ET6": "System outage",
    "ET7": "Processing error",
}


@dataclass(frozen=True)
class Bank:
    """The generated data set: incident registers, ledger movements and financials."""

    incidents: pd.DataFrame  # the English GRC system, as first exported (snapshot 1)
    incidents_v2: (
        pd.DataFrame
    )  # the same register a month later: corrections, reclassifications, late events
    movements: pd.DataFrame  # later ledger lines (provision increases, recoveries)
    incidents_cn: pd.DataFrame  # the Chinese subsidiary's register (second system)
    financials: pd.DataFrame
    seed: int


def severity(rng: np.random.Generator, bl: np.ndarray, et: np.ndarray) -> np.ndarray:
    """Spliced lognormal-body / GPD-tail losses in EUR, left-truncated at the collection threshold."""
    from scipy import stats

    mu = np.array([BL_LOGNORMAL[b][0] for b in bl])
    sigma = np.array([BL_LOGNORMAL[b][1] for b in bl])
    scale = np.array([ET_SEVERITY_SCALE.get(e, 1.0) for e in et]) * 1000.0
    out = np.zeros(len(bl))
    todo = np.arange(len(bl))
    while len(todo):  # redraw what falls below the collection threshold (left truncation)
        m, s_ = mu[todo], sigma[todo]
        body = np.exp(rng.normal(m, s_))
        u = np.exp(m + s_ * stats.norm.ppf(TAIL_QUANTILE))
        tail = u + stats.genpareto.rvs(TAIL_XI, scale=u * 0.8, size=len(todo), random_state=rng)
        x = np.where(rng.random(len(todo)) < TAIL_PROB, tail, body) * scale[todo]
        out[todo] = np.round(x, 2)
        todo = todo[x < THRESHOLD]
    return out


def _dates(
    rng: np.random.Generator, n: int, et: np.ndarray
) -> tuple[list[date], list[date], list[date]]:
    start = date(FIRST_YEAR, 1, 1)
    span = (date(LAST_YEAR, 12, 31) - start).days
    occ = [start + timedelta(days=int(d)) for d in rng.integers(0, span, n)]
    disc_lag = rng.exponential(np.where(et == "ET4", 240.0, 30.0))
    acc_lag = rng.exponential(20.0, n)
    disc = [o + timedelta(days=int(d)) for o, d in zip(occ, disc_lag, strict=True)]
    acc = [d + timedelta(days=int(a)) for d, a in zip(disc, acc_lag, strict=True)]
    return occ, disc, acc


def generate(seed: int = 2026, events_per_year: int = EVENTS_PER_YEAR) -> Bank:
    rng = np.random.default_rng(seed)
    n = events_per_year * (LAST_YEAR - FIRST_YEAR + 1)
    bl = rng.choice(
        list(BL_SHARES), n, p=np.array(list(BL_SHARES.values())) / sum(BL_SHARES.values())
    )
    et = rng.choice(list(ET_SHARES), n, p=list(ET_SHARES.values()))
    et2 = np.array([rng.choice(ET_L2[e]) for e in et])
    gross = severity(rng, bl, et)
    occ, disc, acc = _dates(rng, n, et)
    last = date(LAST_YEAR, 12, 31)
    keep = [
        a <= last for a in acc
    ]  # events first accounted after the window are not in the data yet
    ids = [f"GRC-{i + 1:05d}" for i in range(n)]
    inc = pd.DataFrame(
        {
            "external_id": ids,
            "title": [TITLES[e] for e in et],
            "description": "",
            "event_type": et,
            "event_type_l2": et2,
            "cause": "",
            "business_line": bl,
            "legal_entity": ENTITY,
            "org_unit": "",
            "occurred_on": occ,
            "discovered_on": disc,
            "accounted_on": acc,
            "currency": "EUR",
            "gross_loss": gross,
            "recovery_insurance": 0.0,
            "recovery_other": 0.0,
            "legal": et == "ET4",
            "credit_boundary": False,
            "root_external_id": "",
            "deleted": False,
        }
    )[keep].reset_index(drop=True)
    inc["credit_boundary"] = (
        (inc.event_type == "ET2") & (inc.business_line == "BL4") & (rng.random(len(inc)) < 0.3)
    )
    inc["description"] = [
        f"{t} ({b}, {e2})"
        for t, b, e2 in zip(inc.title, inc.business_line, inc.event_type_l2, strict=True)
    ]
    _group(rng, inc)
    movements = _movements(rng, inc)
    v2 = _second_snapshot(rng, inc)
    return Bank(inc, v2, movements, cn_register(), financials(), seed)


def _group(rng: np.random.Generator, inc: pd.DataFrame) -> None:
    """A few multiple-effect losses: children linked to a root event of the same type."""
    for root in rng.choice(inc.index[inc.event_type.isin(["ET6", "ET7"])], 8, replace=False):
        kids = rng.choice(
            inc.index[(inc.event_type == inc.at[root, "event_type"]) & (inc.index != root)],
            2,
            replace=False,
        )
        for k in kids:
            if (
                inc.at[k, "root_external_id"] == ""
                and not (inc.root_external_id == inc.at[k, "external_id"]).any()
            ):
                inc.at[k, "root_external_id"] = inc.at[root, "external_id"]


def _movements(rng: np.random.Generator, inc: pd.DataFrame) -> pd.DataFrame:
    rows = []
    last = date(LAST_YEAR, 12, 31)
    for r in inc.itertuples():
        u = rng.random()
        if r.event_type == "ET4" and u < 0.5:  # multi-year legal event: a later provision increase
            when = r.accounted_on + timedelta(days=int(rng.integers(200, 600)))
            if when <= last:
                rows.append(
                    (
                        r.external_id,
                        f"{r.external_id}-P2",
                        "provision",
                        round(r.gross_loss * rng.uniform(0.3, 1.5), 2),
                        when,
                        True,
                    )
                )
        if u > 0.8:  # a recovery 2–12 months later, insurance for larger losses
            when = r.accounted_on + timedelta(days=int(rng.integers(60, 360)))
            kind = "recovery_insurance" if r.gross_loss > 100_000 else "recovery_other"
            received = rng.random() < 0.85
            if when <= last:
                rows.append(
                    (
                        r.external_id,
                        f"{r.external_id}-R1",
                        kind,
                        round(r.gross_loss * rng.uniform(0.1, 0.7), 2),
                        when,
                        received,
                    )
                )
    return pd.DataFrame(
        rows, columns=["external_id", "line_id", "kind", "amount", "accounted_on", "received"]
    ).assign(currency="EUR")


def _second_snapshot(rng: np.random.Generator, inc: pd.DataFrame) -> pd.DataFrame:
    """A month later: reclassifications, amount corrections, a withdrawn duplicate, late events."""
    v2 = inc.copy()
    idx = rng.choice(v2.index, 12, replace=False)
    for i in idx[:5]:  # reclassification: execution error turns out to be internal fraud, etc.
        v2.at[i, "event_type"], v2.at[i, "event_type_l2"], v2.at[i, "cause"] = "ET1", "ET1.2", ""
    for i in idx[5:10]:  # corrected gross loss, booked at the correction date
        v2.at[i, "gross_loss"] = round(v2.at[i, "gross_loss"] * 1.25, 2)
        v2.at[i, "accounted_on"] = date(LAST_YEAR, 12, 15)
    v2.at[idx[10], "deleted"] = True  # a duplicate withdrawn
    late = inc.sample(6, random_state=int(rng.integers(1 << 31))).copy()
    late["external_id"] = [f"GRC-L{i:03d}" for i in range(1, 7)]
    late["root_external_id"] = ""
    late["accounted_on"] = [date(LAST_YEAR, 11, 30)] * 6
    late["discovered_on"] = [min(d, date(LAST_YEAR, 11, 20)) for d in late.discovered_on]
    late["occurred_on"] = [
        min(o, d) for o, d in zip(late.occurred_on, late.discovered_on, strict=True)
    ]
    return pd.concat([v2, late], ignore_index=True)


def cn_register() -> pd.DataFrame:
    """The Chinese subsidiary's register (Chinese headers and labels, amounts in 万元, CNY).

    Its centrepiece is the case that shaped Chinese banking regulation: a loan fraud run on forged
    certificates of deposit by an insider with outside accomplices, booked as grouped internal-
    and external-fraud losses in commercial and retail banking over two accounting years, with
    partial recoveries.
    """
    rows = [
        (
            "CN-2024-001",
            "伪造存单质押贷款诈骗（主事件）",
            "支行员工与外部人员勾结，伪造定期存单办理质押贷款",
            "内部欺诈",
            "商业银行",
            "人员",
            date(2023, 5, 10),
            date(2024, 4, 2),
            date(2024, 6, 30),
            3200.0,
            0.0,
            450.0,
            "是",
            "",
        ),
        (
            "CN-2024-002",
            "伪造存单骗取个人贷款",
            "外部团伙利用伪造存单骗取个人消费贷款",
            "外部欺诈",
            "零售银行",
            "外部事件",
            date(2023, 7, 1),
            date(2024, 4, 2),
            date(2025, 3, 31),
            860.0,
            0.0,
            120.0,
            "是",
            "CN-2024-001",
        ),
        (
            "CN-2022-014",
            "ATM盗刷",
            "客户银行卡在ATM被盗刷，已先行赔付",
            "外部欺诈",
            "零售银行",
            "外部事件",
            date(2022, 3, 1),
            date(2022, 3, 5),
            date(2022, 3, 31),
            12.5,
            0.0,
            2.0,
            "否",
            "",
        ),
        (
            "CN-2023-031",
            "核心系统升级故障",
            "核心系统升级导致交易中断四小时",
            "信息科技系统事件",
            "支付和清算",
            "系统",
            date(2023, 10, 8),
            date(2023, 10, 8),
            date(2023, 10, 31),
            85.0,
            30.0,
            0.0,
            "否",
            "",
        ),
        (
            "CN-2025-007",
            "柜面录入错误",
            "大额转账金额录入错误，部分追回",
            "执行、交割和流程管理",
            "商业银行",
            "流程",
            date(2025, 2, 11),
            date(2025, 2, 12),
            date(2025, 2, 28),
            46.0,
            0.0,
            30.0,
            "否",
            "",
        ),
    ]
    cols = [
        "事件编号",
        "事件名称",
        "事件描述",
        "损失事件类型",
        "业务条线",
        "原因",
        "发生日期",
        "发现日期",
        "入账日期",
        "损失金额(万元)",
        "保险赔付(万元)",
        "其他回收(万元)",
        "法律事件",
        "关联主事件编号",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(6, "法人机构", ENTITY_CN)
    df["币种"] = "人民币"
    return df


def financials() -> pd.DataFrame:
    """Gross income by line (BIA/TSA), loans and advances (ASA), BI items (SA); EUR, whole units."""
    m = 1_000_000
    gi = {  # EUR m per business line, three years
        2023: {
            "BL1": 50,
            "BL2": 200,
            "BL3": 600,
            "BL4": 300,
            "BL5": 80,
            "BL6": 40,
            "BL7": 60,
            "BL8": 70,
        },
        2024: {
            "BL1": 55,
            "BL2": 170,
            "BL3": 620,
            "BL4": 310,
            "BL5": 85,
            "BL6": 42,
            "BL7": 58,
            "BL8": 72,
        },
        2025: {
            "BL1": 60,
            "BL2": 230,
            "BL3": 650,
            "BL4": 320,
            "BL5": 88,
            "BL6": 45,
            "BL7": 66,
            "BL8": 75,
        },
    }
    bi = {  # reference §4.7 worked example, EUR m, t−2 … t
        "interest_income": (2400, 2600, 2900),
        "interest_expense": (1300, 1500, 1750),
        "interest_earning_assets": (45000, 48000, 51000),
        "dividend_income": (20, 25, 30),
        "fee_income": (700, 750, 800),
        "fee_expense": (200, 220, 240),
        "other_operating_income": (80, 60, 90),
        "other_operating_expense": (120, 100, 110),
        "net_pnl_trading_book": (150, -90, 210),
        "net_pnl_banking_book": (40, 30, -20),
    }
    rows = [
        (ENTITY, y, "gross_income", b, v * m) for y, lines in gi.items() for b, v in lines.items()
    ]
    rows += [
        (ENTITY, y, "loans_and_advances", b, v * m)
        for y in gi
        for b, v in (("BL3", 10_000), ("BL4", 8_000))
    ]
    rows += [
        (ENTITY, 2023 + i, item, "", vals[i] * m) for item, vals in bi.items() for i in range(3)
    ]
    return pd.DataFrame(
        rows, columns=["legal_entity", "year", "item", "business_line", "amount"]
    ).assign(currency="EUR")
