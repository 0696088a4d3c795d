"""Write the analyst notebooks (``python notebooks/build.py``); outputs are not committed.

The notebooks run top to bottom against the demo database (``make demo`` → ``demo-out/``), or
against ``$OPRISK_DEMO_OUT`` when set (the test suite points it at a fresh demo).
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

SETUP = """%matplotlib inline
import json, os
from pathlib import Path
import pandas as pd
import oprisk
from oprisk import plots

OUT = Path(os.environ.get("OPRISK_DEMO_OUT", "../demo-out"))
db = oprisk.connect(f"sqlite:///{(OUT / 'demo.db').resolve()}")
manifest = json.loads((OUT / "exports" / "manifest.json").read_text())
FIRST_CUT = manifest["knowledge_cutoff"]["position"]  # the log as it stood before the February file
pd.set_option("display.float_format", lambda v: f"{v:,.2f}")
db"""

NOTEBOOKS = {
    "01-explore-losses.ipynb": [
        (
            "md",
            "# Exploring the loss data set\n\nThe demo bank's ten years of losses, as known now and as known at an earlier cut-off. "
            "Amounts are in the reporting currency (EUR); taxonomy columns are categoricals with readable labels.",
        ),
        ("code", SETUP),
        (
            "code",
            "losses = db.losses()\nprint(f'{len(losses):,} loss events, position {db.position():,}')\n"
            "losses[['event_id', 'event_type_name', 'business_line_name', 'cause_name', 'first_accounted_on', "
            "'gross_loss_reporting', 'net_loss_reporting']].head()",
        ),
        ("md", "## Where the losses are: business line × event type"),
        ("code", "plots.loss_heatmap(losses)"),
        (
            "code",
            "shares = pd.DataFrame({'events': losses.business_line_name.value_counts(normalize=True),\n"
            "                       'net loss': losses.groupby('business_line_name', observed=True).net_loss_reporting.sum()"
            " / losses.net_loss_reporting.sum()})\n(100 * shares).round(1).rename(columns=lambda c: c + ' (%)')",
        ),
        (
            "md",
            "## Losses by accounting year\n\nEach ledger line counts in the year it was accounted (the capital rules' date).",
        ),
        (
            "code",
            "ledger = db.ledger().merge(losses[['event_id', 'event_type_l1']], on='event_id')\n"
            "plots.losses_by_year(ledger)",
        ),
        ("md", "## The largest events"),
        (
            "code",
            "losses.nlargest(10, 'gross_loss_reporting')[['event_id', 'title', 'event_type', 'business_line', "
            "'first_accounted_on', 'gross_loss_reporting', 'net_loss_reporting']]",
        ),
        (
            "md",
            "## The same view at two knowledge cut-offs\n\nBefore and after the February register arrived: "
            "reclassifications, corrected amounts, a withdrawn duplicate and late events.",
        ),
        (
            "code",
            "then = db.losses(as_of=FIRST_CUT)\nplots.compare_cutoffs(then, losses)",
        ),
        (
            "code",
            "changed = then.merge(losses, on='event_id', how='outer', suffixes=('_then', '_now'), indicator=True)\n"
            "diff = changed[(changed._merge != 'both') | (changed.event_type_then.astype(str) != changed.event_type_now.astype(str))"
            " | (changed.gross_loss_then != changed.gross_loss_now)]\n"
            "diff[['event_id', '_merge', 'event_type_then', 'event_type_now', 'gross_loss_then', 'gross_loss_now']]",
        ),
        (
            "code",
            "db.history(diff.event_id.iloc[0])[['version', 'valid_from_position', 'fact', 'actor', 'event_type', 'gross_loss']]",
        ),
    ],
    "02-capital.ipynb": [
        (
            "md",
            "# Capital: BIA, TSA, ASA and the Basel III standardised approach\n\n"
            "Every figure is computed from the log as known at a cut-off; each result shows its intermediates.",
        ),
        ("code", SETUP),
        ("code", "db.capital.bia(2025)"),
        ("code", "db.capital.tsa(2025)"),
        ("code", "db.capital.asa(2025)"),
        ("md", "## The standardised approach: BI → BIC → LC → ILM → ORC"),
        ("code", "sa = db.capital.sa(2025, profile='basel', threshold=20000, bi_unit='1e6')\nsa"),
        ("code", "sa.result.loss_component.annual_frame()"),
        (
            "md",
            "As known at the earlier cut-off (the same question, answered with what the bank knew then):",
        ),
        (
            "code",
            "db.capital.sa(2025, as_of=FIRST_CUT, profile='basel', threshold=20000, bi_unit='1e6').summary().tail(8)",
        ),
        ("md", "## What if … a 100,000 threshold?"),
        (
            "code",
            "sa100 = db.capital.sa(2025, profile='basel', threshold=100000, bi_unit='1e6')\n"
            "pd.DataFrame({'threshold 20k': [sa.lc, sa.ilm, sa.orc], 'threshold 100k': [sa100.lc, sa100.ilm, sa100.orc]},\n"
            "             index=['LC (EUR m)', 'ILM', 'ORC (EUR m)']).astype(float)",
        ),
        (
            "md",
            "## What if … a large new legal loss?\n\nAdd a EUR 150m settlement accounted in 2025 to the loss data and "
            "recompute with the pure functions (the database is not changed).",
        ),
        (
            "code",
            "from decimal import Decimal\nfrom oprisk import capital\n"
            "rows = db.capital.loss_data(2025)\n"
            "extra = pd.DataFrame([{'event_id': 'WHATIF-LEGAL', 'root_event_id': None, 'accounting_year': 2025,\n"
            "                       'net_loss': Decimal('150000000')}])\n"
            "# the rows are in whole euros (rows.attrs['unit'] == 1), the BI in EUR millions: say so\n"
            "what_if = capital.sa(sa.result.business_indicator, pd.concat([rows, extra], ignore_index=True), profile='basel',\n"
            "                     bi_unit=Decimal('1e6'), loss_unit=rows.attrs['unit'], threshold=Decimal(20000), end_year=2025)\n"
            "pd.DataFrame({'now': [sa.lc, sa.ilm, sa.orc], 'with the legal loss': [what_if.lc, what_if.ilm, what_if.orc]},\n"
            "             index=['LC (EUR m)', 'ILM', 'ORC (EUR m)']).astype(float)",
        ),
        ("md", "Under the EU CRR3 profile the ILM is 1, so the loss record does not move capital:"),
        (
            "code",
            "db.capital.sa(2025, profile='eu-crr3', threshold=20000, bi_unit='1e6').summary().tail(6)",
        ),
    ],
    "03-lda.ipynb": [
        (
            "md",
            "# Loss Distribution Approach\n\nSeverity fits with the collection threshold (EUR 10,000) as left truncation, "
            "frequency over a window that counts empty years, aggregation to a one-year loss, VaR / ES at 99.9 %, "
            "and dependence across units.",
        ),
        ("code", SETUP),
        (
            "code",
            "from oprisk.capital import lda as L\nfrom oprisk.services.lda import loss_data\n"
            "data, left_out = loss_data(db, 2025)\nH = 10_000\nunit = data[data.event_type_l1 == 'ET7']\n"
            "x = unit.gross_loss.to_numpy(float)\nprint(f'{len(x)} ET7 losses ≥ {H:,}; left out: {left_out}')",
        ),
        ("md", "## Compare severity families (ranked by AIC)"),
        (
            "code",
            "L.compare_severities(x, ['lognormal', 'loglogistic', 'weibull', 'gamma', 'burr', 'pareto'], threshold=H)",
        ),
        ("code", "fit = L.fit_severity(x, 'lognormal', threshold=H)\nfit.summary()"),
        ("md", "## Diagnostics"),
        ("code", "from oprisk.plots import lda as P\nP.qq_plot(fit, x, uom='ET7')"),
        ("code", "P.fit_plot(fit, x)"),
        ("code", "P.mean_excess_plot(x)"),
        ("md", "## Frequency and the aggregate loss"),
        (
            "code",
            "from datetime import date\nfreq = L.fit_frequency(list(unit.first_accounted_on), start=date(2016, 1, 1), end=date(2025, 12, 31))\n"
            "agg = L.aggregate(freq, fit, 'mc', n_simulations=200_000, random_state=1)\n"
            "fft = L.aggregate(freq, fit, 'fft')\n"
            "pd.DataFrame({'Monte Carlo': [agg.expected_loss, agg.var[0.999], agg.es[0.999]],\n"
            "              'FFT': [fft.expected_loss, fft.var[0.999], fft.es[0.999]]}, index=['EL', 'VaR 99.9%', 'ES 99.9%'])",
        ),
        ("code", "P.aggregate_plot(agg)"),
        (
            "md",
            "## All units and the copula\n\nComonotonic, Gaussian (ρ = 0.2) and independence at 99.9 %.",
        ),
        (
            "code",
            "runs = {c: db.capital.lda(2025, uom='et', copula=c, n_simulations=100_000, families=('lognormal', 'loglogistic'))\n"
            "        for c in ('comonotonic', 'gaussian', 'independence')}\n"
            "runs['gaussian']",
        ),
        (
            "code",
            "pd.DataFrame({c: {'portfolio VaR': r.portfolio_var, 'sum of standalone VaR': r.sum_standalone_var,\n"
            "                   'diversification': r.diversification_benefit} for c, r in runs.items()}).T",
        ),
    ],
    "04-regulatory-export.ipynb": [
        (
            "md",
            "# Regulatory exports\n\nCOREP C 16 / C 17 and Pillar 3 OR1–OR3 at a knowledge cut-off, with a manifest that "
            "lets anyone re-run them later and get the same bytes.",
        ),
        ("code", SETUP),
        (
            "code",
            "import tempfile\nout = Path(tempfile.mkdtemp()) / 'exports'\n"
            "result = db.reports.export('all', '2025', as_of=FIRST_CUT, fmt=['xlsx', 'csv'], out_dir=out)\n"
            "sorted(p.name for p in out.iterdir())",
        ),
        ("code", "json.loads((out / 'manifest.json').read_text())['knowledge_cutoff']"),
        ("code", "db.reports.verify(out)"),
        ("md", "The files equal the ones `make demo` wrote at the same cut-off, byte for byte:"),
        (
            "code",
            "import hashlib\nsame = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() == hashlib.sha256((OUT / 'exports' / p.name).read_bytes()).hexdigest()\n"
            "        for p in out.iterdir() if p.name != 'manifest.json'}\nsame",
        ),
        ("md", "## C 17.01: losses by business line and event type (2025)"),
        (
            "code",
            "c17 = db.reports.c17_01('2025', as_of=FIRST_CUT)\nc17.loc[['0910', '0911', '0912', '0913', '0914', '0920']]",
        ),
        ("code", "db.reports.c17_02('2025', as_of=FIRST_CUT).head()"),
        ("code", "db.reports.or1('2025', as_of=FIRST_CUT)"),
    ],
}


def build() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = nbf.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.cells = [
            nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
            for kind, src in cells
        ]
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name.split('-')[0]}-{i:02d}"
        nbf.write(nb, HERE / name)


if __name__ == "__main__":
    build()
