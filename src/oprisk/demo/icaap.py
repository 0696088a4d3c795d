"""The demo bank's ICAAP data beside its internal losses: scenario workshops and external losses.

* ``scenarios-workshops.csv``: the group's 2026 workshops (English, one row per severity point):
  scenarios for several units of measure (an event type, a business line, or a cell);
* ``scenarios-cn.csv``: the Chinese subsidiary's workshop on the forged-certificate fraud
  (外部欺诈, zh-CN headers and labels, CNY), the case its register records;
* ``external-losses.csv``: consortium-like losses reported by 24 member institutions, each with
  its size indicator (Business Indicator, EUR) and the consortium's collection threshold, EUR
  20,000, generated with a seeded ``numpy.random.default_rng``.

The figures are illustrative (docs/demo.md, "ICAAP data").
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from oprisk.demo.bank import BL_LOGNORMAL, BL_SHARES, ET_L2, ET_SHARES, FIRST_YEAR, LAST_YEAR

#: the consortium's collection threshold (EUR); members report every loss at or above it
EXTERNAL_THRESHOLD = 20_000
EXTERNAL_MEMBERS = 24

#: (id, event type, business line, title, owner, participants, λ, λ low, λ high, story, points)
#: with points (label, return period in years or None, quantile or None, amount in EUR). A rare
#: scenario states longer return periods: with λ events a year the 1-in-T loss is the severity
#: quantile 1 − 1/(λT), so for λ = 0.2 the 1-in-10 loss would be the median itself.
_SCENARIOS = [
    ("SC-ET7-PAY", "ET7", "BL3", "Payment batch executed twice", "ops.risk",
     "ops.risk; payments; it.ops", 6, 3, 10,
     "A file of retail payments is released twice after a failed batch restart.",
     [("typical", None, 0.5, 40_000), ("1-in-10", 10, None, 900_000),
      ("1-in-50", 50, None, 2_500_000), ("1-in-100", 100, None, 4_000_000)]),
    ("SC-ET6-CLOUD", "ET6", None, "Core banking outage at the cloud provider", "it.risk",
     "it.risk; cio office; business continuity", 0.5, 0.2, 1,
     "Two days without core banking: compensation, overtime, lost fees.",
     [("typical", None, 0.5, 300_000), ("1-in-10", 10, None, 1_500_000),
      ("1-in-50", 50, None, 8_000_000), ("1-in-100", 100, None, 15_000_000)]),
    ("SC-ET4-MIS", "ET4", "BL3", "Mis-sold investment products", "compliance",
     "compliance; legal; retail sales", 1, 0.5, 2,
     "Structured notes sold to retail clients outside their risk profile; redress programme.",
     [("typical", None, 0.5, 500_000), ("1-in-10", 10, None, 5_000_000),
      ("1-in-50", 50, None, 20_000_000), ("1-in-100", 100, None, 35_000_000)]),
    ("SC-BL2-ROGUE", None, "BL2", "Unauthorised trading", "market.risk",
     "market.risk; front office; internal audit", 0.2, 0.1, 0.5,
     "A trader hides positions with fictitious hedges for months.",
     [("typical", None, 0.5, 2_000_000), ("1-in-25", 25, None, 6_000_000),
      ("1-in-50", 50, None, 25_000_000), ("1-in-100", 100, None, 60_000_000)]),
    ("SC-ET5-FLOOD", "ET5", None, "River flood at the operations centre", "facilities",
     "facilities; business continuity", 0.1, 0.05, 0.2,
     "A one-in-a-century flood closes the operations centre for a week.",
     [("typical", None, 0.5, 1_000_000), ("1-in-50", 50, None, 3_000_000),
      ("1-in-100", 100, None, 9_000_000), ("1-in-200", 200, None, 14_000_000)]),
    # inconsistent on purpose: its 1-in-100 loss is below its 1-in-50 loss, so the loader
    # rejects its rows naming the rule (return_period_order) and the other scenarios load
    ("SC-ET1-INSIDER", "ET1", "BL4", "Insider approves fictitious loans", "credit.risk",
     "credit.risk; internal audit", 0.3, 0.1, 0.6,
     "A branch manager approves loans to shell companies he controls.",
     [("typical", None, 0.5, 700_000), ("1-in-50", 50, None, 9_000_000),
      ("1-in-100", 100, None, 6_000_000)]),
]  # fmt: skip


def scenarios_en(workshop_on: date = date(2026, 2, 16)) -> pd.DataFrame:
    """The group's workshop file: one row per severity point, the scenario's fields on its first
    row only (later rows leave them blank); return periods stated as years, the typical loss as
    the median (quantile 0.5)."""
    rows = []
    for i, (sid, et, bl, title, owner, who, lam, low, high, story, points) in enumerate(_SCENARIOS):
        for j, (label, period, q, amount) in enumerate(points):
            first = j == 0
            rows.append({
                "scenario id": sid,
                "event type": (et or "") if first else "",
                "business line": (bl or "") if first else "",
                "scenario name": title if first else "",
                "scenario description": story if first else "",
                "workshop date": (workshop_on + timedelta(days=i)).isoformat() if first else "",
                "scenario owner": owner if first else "",
                "workshop participants": who if first else "",
                "frequency (events a year)": lam if first else "",
                "frequency low": low if first else "",
                "frequency high": high if first else "",
                "currency": "EUR",
                "severity point": label,
                "return period (years)": "" if period is None else period,
                "severity quantile": "" if q is None else q,
                "severity amount": amount,
            })  # fmt: skip
    return pd.DataFrame(rows)


def scenarios_cn(workshop_on: date = date(2026, 3, 9)) -> pd.DataFrame:
    """The Chinese subsidiary's workshop on the forged-certificate fraud: zh-CN headers and labels,
    amounts in CNY, every field repeated on every row."""
    points = [("一般情形", "", "0.5", 800_000), ("十年一遇", "10", "", 12_000_000),
              ("五十年一遇", "50", "", 45_000_000), ("百年一遇", "100", "", 80_000_000)]  # fmt: skip
    return pd.DataFrame(
        [
            {
                "情景编号": "SC-CN-ET2-伪造存单",
                "事件类型": "外部欺诈",
                "业务条线": "商业银行",
                "情景名称": "伪造存单质押贷款诈骗",
                "情景描述": "外部人员伪造定期存单并以其质押申请贷款，支行未核实存单真实性。",
                "研讨会日期": f"{workshop_on.year}年{workshop_on.month}月{workshop_on.day}日",
                "负责人": "王敏",
                "参与人员": "王敏；李伟；张磊（内控合规部）",
                "年发生频率": "0.8",
                "频率下限": "0.3",
                "频率上限": "2",
                "币种": "人民币",
                "估计点": label,
                "重现期(年)": period,
                "分位数": q,
                "损失估计金额": amount,
            }
            for label, period, q, amount in points
        ]
    )


def external_losses(seed: int = 2026, n: int = 400) -> pd.DataFrame:
    """Consortium-like external losses: members' sizes (BI, EUR) lognormal around EUR 3bn;
    event types and business lines as the demo bank's shares; severities from the demo bank's
    lognormal bodies scaled by (size / EUR 2bn)^0.25, left-truncated at the threshold (drawn by
    inverse transform above it), so every reported loss is at or above EUR 20,000."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 20]))
    sizes = np.round(np.exp(rng.normal(np.log(3e9), 0.9, EXTERNAL_MEMBERS)), -6)
    member = rng.integers(0, EXTERNAL_MEMBERS, n)
    ets = rng.choice(list(ET_SHARES), n, p=np.array(list(ET_SHARES.values())))
    bl_p = np.array(list(BL_SHARES.values()))
    bls = rng.choice(list(BL_SHARES), n, p=bl_p / bl_p.sum())
    from scipy import stats

    amounts = np.empty(n)
    for i in range(n):
        mu, sigma = BL_LOGNORMAL[str(bls[i])]
        mu = mu + np.log(1000 * (sizes[member[i]] / 2e9) ** 0.25)
        lo = stats.norm.cdf((np.log(EXTERNAL_THRESHOLD) - mu) / sigma)
        u = lo + (1 - lo) * rng.random()
        amounts[i] = np.exp(mu + sigma * stats.norm.ppf(min(u, 1 - 1e-12)))
    days = (date(LAST_YEAR, 12, 31) - date(FIRST_YEAR, 1, 1)).days
    occurred = [date(FIRST_YEAR, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, days, n)]
    l2 = [str(rng.choice(ET_L2[str(et)])) for et in ets]
    return pd.DataFrame(
        {
            "external_id": [f"ORX-{FIRST_YEAR}-{i:05d}" for i in range(n)],
            "data source": "ORX",
            "occurred_on": [d.isoformat() for d in occurred],
            "event type level 2": l2,
            "business line": bls,
            "loss amount": np.maximum(np.round(amounts, 2), EXTERNAL_THRESHOLD),
            "currency": "EUR",
            "size indicator": sizes[member].astype(np.int64),
            "collection threshold": EXTERNAL_THRESHOLD,
            "reporting institution": [f"M-{m + 1:03d}" for m in member],
        }
    )
