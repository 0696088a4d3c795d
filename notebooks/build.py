"""Write the analyst notebooks (``python notebooks/build.py``); outputs are not committed.

Each notebook starts with a parameters cell (tagged ``parameters``, as papermill expects) that reads
the environment: ``OPRISK_DATABASE_URL`` (default: the database ``make demo`` wrote), ``OPRISK_AS_OF``
(the knowledge cut-off, default now), ``OPRISK_EARLIER_AS_OF`` (an earlier cut-off to compare with,
default: the one the demo's exports were made at) and ``OPRISK_YEAR``. Every sentence that states a
figure is followed by a cell that checks it (``check(...)``), so a notebook whose words and numbers
disagree fails when it runs (``tests/test_notebooks.py`` runs them all).
"""

import re
from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).parent

PARAMETERS = """# Parameters: edit them here, pass them with papermill (-p YEAR 2025), or set the environment
# (OPRISK_DATABASE_URL, OPRISK_AS_OF, OPRISK_EARLIER_AS_OF, OPRISK_YEAR).
import os

DATABASE_URL = os.environ.get("OPRISK_DATABASE_URL") or "sqlite:///../demo-out/demo.db"
AS_OF = os.environ.get("OPRISK_AS_OF") or None                  # knowledge cut-off; None = now
EARLIER_AS_OF = os.environ.get("OPRISK_EARLIER_AS_OF") or None  # default: the demo's export cut-off
YEAR = int(os.environ.get("OPRISK_YEAR") or 2025)"""

SETUP = """%matplotlib inline
import json
from pathlib import Path

import matplotlib
import pandas as pd

import oprisk{plots}

matplotlib.rcParams["figure.dpi"] = 72  # figures sized for the notebook, not for print
pd.set_option("display.float_format", lambda v: f"{v:,.2f}")
db = oprisk.connect(DATABASE_URL)


def check(claim, ok):
    \"\"\"A sentence of this notebook about a figure, checked against the figure.\"\"\"
    assert ok, f"not true for this database: {claim}"
    print("✓", claim)


demo_exports = Path(DATABASE_URL.removeprefix("sqlite:///")).parent / "exports"
if EARLIER_AS_OF is None and (demo_exports / "manifest.json").exists():
    EARLIER_AS_OF = json.loads((demo_exports / "manifest.json").read_text())["knowledge_cutoff"]["position"]
if EARLIER_AS_OF is None:
    EARLIER_AS_OF = db.position(AS_OF) // 2
now, then = db.cutoff(AS_OF), db.cutoff(int(EARLIER_AS_OF) if str(EARLIER_AS_OF).isdigit() else EARLIER_AS_OF)
print(f"{db}\\nas known at position {now[0]:,} ({now[1]:%Y-%m-%d %H:%M} UTC); "
      f"earlier cut-off: position {then[0]:,} ({then[1]:%Y-%m-%d %H:%M} UTC)")"""

NB01 = [
    (
        "md",
        "# Exploring the loss data set\n\nTen years of losses as known at the cut-off, and as known at an "
        "earlier one. Amounts are in the reporting currency; taxonomy columns are categoricals with "
        "readable labels, dates are `datetime64` (docs/frames.md).",
    ),
    (
        "code",
        "losses = db.losses(AS_OF)\nprint(f'{len(losses):,} loss events')\n"
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
        "## Losses by accounting year\n\nEach ledger line counts in the year it was accounted (the date "
        "the capital rules use); recoveries received count below zero.",
    ),
    (
        "code",
        "ledger = db.ledger(AS_OF).merge(losses[['event_id', 'event_type_l1']], on='event_id')\n"
        "plots.losses_by_year(ledger)",
    ),
    (
        "code",
        "by_year = ledger.groupby(ledger.accounted_on.dt.year).net_effect_reporting.sum()\n"
        "check('the yearly net losses add up to the net loss of the events',\n"
        "      abs(by_year.sum() - losses.net_loss_reporting.sum()) < 0.01)",
    ),
    ("md", "## The largest events"),
    (
        "code",
        "losses.nlargest(10, 'gross_loss_reporting')[['event_id', 'title', 'event_type', 'business_line', "
        "'first_accounted_on', 'gross_loss_reporting', 'net_loss_reporting']]",
    ),
    (
        "md",
        "## The same view at two knowledge cut-offs\n\nWhat the later facts changed: new events, "
        "reclassifications, corrected amounts and withdrawals, counted below.",
    ),
    ("code", "earlier = db.losses(EARLIER_AS_OF)\nplots.compare_cutoffs(earlier, losses)"),
    (
        "code",
        "both = earlier.merge(losses, on='event_id', how='outer', suffixes=('_then', '_now'), indicator=True)\n"
        "kept = both[both._merge == 'both']\n"
        "changes = pd.Series({\n"
        "    'new events': int((both._merge == 'right_only').sum()),\n"
        "    'gone (withdrawn)': int((both._merge == 'left_only').sum()),\n"
        "    'reclassified': int((kept.event_type_then.astype(str) != kept.event_type_now.astype(str)).sum()\n"
        "                        + (kept.business_line_then.astype(str) != kept.business_line_now.astype(str)).sum()),\n"
        "    'amount changed': int((kept.gross_loss_then != kept.gross_loss_now).sum()),\n"
        "}, name='events')\nchanges",
    ),
    (
        "code",
        "changed = both[(both._merge != 'both') | (both.event_type_then.astype(str) != both.event_type_now.astype(str))"
        " | (both.gross_loss_then != both.gross_loss_now)]\n"
        "changed[['event_id', '_merge', 'event_type_then', 'event_type_now', 'gross_loss_then', 'gross_loss_now']].head(10)",
    ),
    (
        "code",
        "if len(changed):\n"
        "    db.history(changed.event_id.iloc[0])[['version', 'valid_from_time', 'fact', 'actor', 'event_type', 'gross_loss']]",
    ),
]

NB02 = [
    (
        "md",
        "# Capital: BIA, TSA, ASA and the Basel III standardised approach\n\nEvery figure is computed "
        "from the log as known at a cut-off; each result shows its intermediates (`summary()`), prints "
        "in one line and draws how it is built (`plot()`).",
    ),
    ("code", "db.capital.bia(YEAR, as_of=AS_OF)"),
    ("code", "db.capital.tsa(YEAR, as_of=AS_OF).summary().tail(6)"),
    ("code", "db.capital.asa(YEAR, as_of=AS_OF).summary().tail(6)"),
    ("md", "## The standardised approach: BI → BIC → LC → ILM → ORC (EUR m)"),
    ("code", "sa = db.capital.sa(YEAR, as_of=AS_OF, profile='basel', bi_unit='1e6')\nsa"),
    ("code", "sa.plot()"),
    ("code", "sa.result.loss_component.annual_frame()"),
    (
        "md",
        "The command line gives the same figure for the same inputs (`oprisk capital sa --json`):",
    ),
    (
        "code",
        "from click.testing import CliRunner\n\nfrom oprisk.cli import main as oprisk_cli\n\n"
        "args = ['--db', DATABASE_URL, 'capital', 'sa', '--year', str(YEAR), '--profile', 'basel', '--bi-unit', '1e6', '--json']\n"
        "cli = json.loads(CliRunner().invoke(oprisk_cli, [*args, '--as-of', str(sa.cutoff_position)]).output)\n"
        "check('the CLI and this notebook give the same ORC', cli['result']['orc'] == str(sa.orc))",
    ),
    (
        "md",
        "As known at the earlier cut-off (the same question, answered with what the bank knew then):",
    ),
    (
        "code",
        "earlier_sa = db.capital.sa(YEAR, as_of=EARLIER_AS_OF, profile='basel', bi_unit='1e6')\n"
        "pd.DataFrame({'earlier': [earlier_sa.lc, earlier_sa.ilm, earlier_sa.orc], 'now': [sa.lc, sa.ilm, sa.orc]},\n"
        "             index=['LC (EUR m)', 'ILM', 'ORC (EUR m)']).astype(float)",
    ),
    ("md", "## What if … a EUR 100,000 loss threshold (the discretion for buckets 2 and 3)?"),
    (
        "code",
        "sa100 = db.capital.sa(YEAR, as_of=AS_OF, profile='basel', threshold=100000, bi_unit='1e6')\n"
        "pd.DataFrame({'threshold 20k': [sa.lc, sa.ilm, sa.orc], 'threshold 100k': [sa100.lc, sa100.ilm, sa100.orc]},\n"
        "             index=['LC (EUR m)', 'ILM', 'ORC (EUR m)']).astype(float)",
    ),
    (
        "code",
        "check('a higher threshold leaves fewer losses in: the LC does not rise', sa100.lc <= sa.lc)",
    ),
    (
        "md",
        "## What if … a large new legal loss?\n\nAdd a EUR 150m settlement accounted in the year to the "
        "loss data and recompute with the pure functions (the database is not changed). The loss rows are "
        "in whole euros and the BI in EUR millions, so the call names both units.",
    ),
    (
        "code",
        "from decimal import Decimal\n\nfrom oprisk import capital\n\n"
        "rows = db.capital.loss_data(YEAR, as_of=sa.cutoff_position)\n"
        "def what_if(extra_rows):\n"
        "    data = pd.concat([rows, pd.DataFrame(extra_rows)], ignore_index=True) if extra_rows else rows\n"
        "    data.attrs.update(rows.attrs)\n"
        "    return capital.sa(sa.result.business_indicator, data, profile='basel', bi_unit=Decimal('1e6'),\n"
        "                      loss_unit=rows.attrs['unit'], threshold=Decimal(20000), end_year=YEAR)\n"
        "check('the pure functions on the stored loss data reproduce the run', what_if([]).orc == sa.orc)\n"
        "legal = what_if([{'event_id': 'WHATIF-LEGAL', 'root_event_id': None, 'accounting_year': YEAR,\n"
        "                  'net_loss': Decimal('150000000')}])\n"
        "pd.DataFrame({'now': [sa.lc, sa.ilm, sa.orc], 'with the legal loss': [legal.lc, legal.ilm, legal.orc]},\n"
        "             index=['LC (EUR m)', 'ILM', 'ORC (EUR m)']).astype(float)",
    ),
    (
        "code",
        "# LC = 15 × the average annual loss over the window (ten years here): EUR 150m more in one year\n"
        "# adds 15 × 150 / 10 = EUR 225m\n"
        "lc = sa.result.loss_component\n"
        "rise = lc.multiplier * Decimal(150) / lc.years\n"
        "check(f'the settlement raises the LC by EUR {rise:,.0f}m', abs(legal.lc - sa.lc - rise) < Decimal('1e-9'))",
    ),
    ("md", "Under the EU CRR3 profile the ILM is 1, so the loss record does not move capital:"),
    (
        "code",
        "eu = db.capital.sa(YEAR, as_of=AS_OF, profile='eu-crr3', bi_unit='1e6')\n"
        "check('under CRR3 the ILM is 1 and the own funds requirement is the BIC',\n"
        "      eu.ilm == 1 and eu.orc == eu.bic.bic)\neu.summary().tail(6)",
    ),
]

NB03 = [
    (
        "md",
        "# Loss Distribution Approach\n\nSeverity fits with the collection threshold (EUR 20,000) as "
        "left truncation, frequency over a window that counts empty years, the one-year aggregate loss, "
        "VaR / ES at 99.9 %, and dependence across units. The unit of measure here is the event type "
        "ET7 (execution, delivery and process management).",
    ),
    (
        "code",
        "from oprisk.capital import lda as L\nfrom oprisk.plots import lda as P\nfrom oprisk.services.lda import loss_data\n\n"
        "H, UNIT = 20_000, 'ET7'\n"
        "data, left_out = loss_data(db, YEAR, as_of=AS_OF)\ndata = data[data.gross_loss >= H]\n"
        "unit = data[data.event_type_l1 == UNIT]\nx = unit.gross_loss.to_numpy(float)\n"
        "print(f'{len(x)} {UNIT} losses ≥ {H:,} (EUR); left out: {left_out}')",
    ),
    (
        "md",
        "## Compare severity families (ranked by AIC)\n\nA fit whose shape ran to a bound or whose "
        "standard errors cannot be computed is flagged `degenerate` and ranked last, whatever its AIC.",
    ),
    (
        "code",
        "table = L.compare_severities(x, ['lognormal', 'loglogistic', 'weibull', 'gamma', 'burr', 'pareto'], threshold=H)\n"
        "table",
    ),
    (
        "md",
        "The unit is modelled with the family its own comparison supports: the best-ranked fit that is "
        "not degenerate.",
    ),
    (
        "code",
        "ok = table[~table.degenerate & table.error.isna()]\n"
        "family = str(ok.family.iloc[0])\nfit = L.fit_severity(x, family, threshold=H)\n"
        "check(f'{family} has the lowest AIC of the non-degenerate fits', fit.aic == ok.aic.min())\n"
        "fit.summary()",
    ),
    ("md", "## Diagnostics"),
    ("code", "P.qq_plot(fit, x, uom=UNIT)"),
    ("code", "P.fit_plot(fit, x, uom=UNIT)"),
    ("code", "P.mean_excess_plot(x, uom=UNIT)"),
    ("md", "## Frequency and the aggregate loss (EUR)"),
    (
        "code",
        "from datetime import date\n\nfreq = L.fit_frequency(list(unit.first_accounted_on), start=date(YEAR - 9, 1, 1), end=date(YEAR, 12, 31))\n"
        "agg = L.aggregate(freq, fit, 'mc', n_simulations=200_000, random_state=1)\n"
        "fft = L.aggregate(freq, fit, 'fft')\n"
        "pd.DataFrame({'Monte Carlo': [agg.expected_loss, agg.var[0.999], agg.es[0.999]],\n"
        "              'FFT': [fft.expected_loss, fft.var[0.999], fft.es[0.999]]}, index=['EL', 'VaR 99.9%', 'ES 99.9%'])",
    ),
    (
        "code",
        "check('Monte Carlo and FFT agree on the 99.9 % VaR within 3 standard errors of the simulation',\n"
        "      abs(agg.var[0.999] - fft.var[0.999]) <= 3 * agg.var_se[0.999] + fft.var_se[0.999])",
    ),
    ("code", "P.aggregate_plot(agg, uom=UNIT)"),
    (
        "md",
        "## All units and the copula\n\n`db.capital.lda` fits and aggregates every event type the same "
        "way (the family each unit's comparison supports) and joins them with a copula: comonotonic, "
        "Gaussian (ρ = 0.2) and independence at 99.9 %.",
    ),
    (
        "code",
        "runs = {c: db.capital.lda(YEAR, as_of=AS_OF, uom='et', threshold=H, copula=c, n_simulations=100_000)\n"
        "        for c in ('comonotonic', 'gaussian', 'independence')}\nruns['gaussian'].summary()",
    ),
    (
        "code",
        "mine = next(u for u in runs['gaussian'].units if u.unit == UNIT)\n"
        "check(f'the run models {UNIT} with the family chosen above', mine.family == family)\n"
        "runs['gaussian'].plot()",
    ),
    (
        "code",
        "pd.DataFrame({c: {'portfolio VaR': r.portfolio_var, 'sum of standalone VaR': r.sum_standalone_var,\n"
        "                   'diversification': r.diversification_benefit} for c, r in runs.items()}).T",
    ),
    (
        "md",
        "Each unit's stand-alone VaR comes from its FFT lattice. Comonotonic units move together "
        "year by year: each is read at the same evenly spaced levels of its distribution, so the "
        "total's VaR is the sum of the stand-alone VaRs, with no diversification and no sampling "
        "noise.",
    ),
    (
        "code",
        "co = runs['comonotonic']\n"
        "check('comonotonic units add up: no diversification at all',\n"
        "      abs(co.diversification_benefit) <= 1e-6 * co.portfolio_var)\n"
        "print(f'portfolio VaR {co.portfolio_var / 1e6:,.3f}m, '\n"
        "      f'sum of stand-alone VaR {co.sum_standalone_var / 1e6:,.3f}m')",
    ),
]

NB04 = [
    (
        "md",
        "# Regulatory exports\n\nCOREP C 16 / C 17 and Pillar 3 OR1–OR3 at a knowledge cut-off, with a "
        "manifest that lets anyone re-run them later and get the same bytes.",
    ),
    (
        "code",
        "import tempfile\n\nout = Path(tempfile.mkdtemp()) / 'exports'\n"
        "result = db.reports.export('all', str(YEAR), as_of=EARLIER_AS_OF, fmt=['xlsx', 'csv'], out_dir=out, framework='legacy')\n"
        "sorted(p.name for p in out.iterdir())",
    ),
    ("code", "json.loads((out / 'manifest.json').read_text())['knowledge_cutoff']"),
    ("md", "Re-running it from its manifest reproduces every file byte for byte:"),
    (
        "code",
        "again = db.reports.verify(out)\ncheck('the export re-runs byte for byte', again.ok)\nprint(again)",
    ),
    (
        "md",
        "When the database is the demo's, the files `make demo` wrote re-run the same way (the demo's "
        "manifest names the cut-off and every parameter it used):",
    ),
    (
        "code",
        "if (demo_exports / 'manifest.json').exists():\n"
        "    demo = db.reports.verify(demo_exports)\n"
        '    check("make demo\'s exports re-run byte for byte from this database", demo.ok)',
    ),
    ("md", "## C 17.01: losses by business line and event type"),
    (
        "code",
        "c17 = db.reports.c17_01(str(YEAR), as_of=EARLIER_AS_OF)\nc17.loc[['0910', '0911', '0912', '0913', '0914', '0920']]",
    ),
    (
        "code",
        "check('the four size bands count every new event once', c17.loc[['0911', '0912', '0913', '0914'], '0080'].sum()"
        " == c17.loc['0910', '0080'])",
    ),
    ("code", "db.reports.c17_02(str(YEAR), as_of=EARLIER_AS_OF).head()"),
    ("code", "db.reports.or1(str(YEAR), as_of=EARLIER_AS_OF)"),
]

NB05 = [
    (
        "md",
        "# ICAAP: the four data elements in one model\n\nInternal losses (ILD), external losses scaled to "
        "the bank's size, scenario workshops and the control environment (BEICF), added one at a time to "
        "the LDA: the 99.9 % VaR and ES of each stage, per unit of measure (business line × event type) "
        "and in total (Gaussian copula). Methods and sources: docs/icaap.md.",
    ),
    (
        "code",
        "import numpy as np\n\nfrom oprisk.capital import icaap as I\n\n"
        "SIMS, SEED, H = 50_000, 2026, 20_000   # simulated years (10^6 for a capital figure), seed, threshold\n"
        "scen = db.scenarios(AS_OF)\next = db.external_losses(AS_OF)\nscores = db.assessments(AS_OF)\n"
        "print(f'{len(scen)} scenarios ({(scen.status == \"approved\").sum()} approved), {len(ext)} external losses, '\n"
        "      f'{len(scores)} control assessments')\n"
        "scen[['scenario_id', 'event_type', 'business_line', 'title', 'frequency', 'frequency_low', 'frequency_high', 'status']]",
    ),
    (
        "md",
        "## External losses, scaled to the bank's size\n\nThe consortium reports each loss with its member's "
        "size (Business Indicator, EUR). A loss of a firm of size s counts as loss × (S/s)^α for the bank "
        "of size S, α from the regression of ln loss on ln size (Shih, Samad-Khan & Medapa 2000). The "
        "consortium reports only losses above its threshold, which biases least squares towards α = 0; "
        "the run uses the truncated regression (each loss conditioned on exceeding its threshold). The "
        "bank's own BI comes from its recorded financials.",
    ),
    (
        "code",
        "BANK_SIZE = float(db.capital.sa(YEAR, as_of=AS_OF, profile='basel').result.bi)\n"
        "ols = I.fit_scaling(ext.amount_reporting, ext.size_indicator)\n"
        "slope = np.polyfit(np.log(ext.size_indicator), np.log(ext.amount_reporting), 1)[0]\n"
        "check(f'α = {ols.alpha:.3f} (SE {ols.alpha_se:.3f}) is the least-squares slope of ln loss on ln size',\n"
        "      abs(ols.alpha - slope) < 1e-9)\n"
        "scaling = I.fit_scaling(ext.amount_reporting, ext.size_indicator, ext.threshold)\n"
        "print(f'bank size (BI): EUR {BANK_SIZE:,.0f}')\npd.concat([ols.summary(), scaling.summary()])",
    ),
    (
        "md",
        "## One unit by hand: payments (BL3 × ET7) and its workshop\n\nThe workshop's frequency and its "
        "range are a gamma prior; with N internal losses in T = 10 years the posterior mean is "
        "(a + N)/(b + T) = Z·N/T + (1 − Z)·λ_s. The workshop's amounts are quantiles 1 − 1/(λ_s T) of a "
        "single loss; a lognormal through them (quantile matching) is the tail above its 1-in-10-year "
        "loss.",
    ),
    (
        "code",
        "from oprisk.services.lda import loss_data\n\n"
        "sc = scen.set_index('scenario_id').loc['SC-ET7-PAY']\n"
        "pts = db.scenario_severities(AS_OF).query(\"scenario_id == 'SC-ET7-PAY'\")\n"
        "data, _ = loss_data(db, YEAR, as_of=AS_OF)\n"
        "n = int(((data.business_line_l1 == 'BL3') & (data.event_type_l1 == 'ET7') & (data.gross_loss >= H)).sum())\n"
        "post = I.poisson_gamma(n, 10, I.gamma_prior(sc.frequency, sc.frequency_low, sc.frequency_high))\n"
        "check(f'the unit\\'s frequency {post.mean:.2f} a year is the credibility mix of {n / 10:.1f} (internal) and {sc.frequency:g} (workshop), Z = {post.credibility:.2f}',\n"
        "      abs(post.mean - (post.credibility * n / 10 + (1 - post.credibility) * sc.frequency)) < 1e-12)\n"
        "I.fit_scenario(pts['quantile'], pts.amount_reporting).summary()",
    ),
    (
        "md",
        "## The run\n\n`db.capital.icaap` builds every unit four times and aggregates each stage with the "
        "same seed, so each step is the element's effect. The BEICF row always stands beside the figure "
        "without it; the stress (frequencies × 1.5, severities × 1.2) is a separate bar.",
    ),
    (
        "code",
        "run = db.capital.icaap(as_of=AS_OF, year=YEAR, bank_size=BANK_SIZE, sims=SIMS, seed=SEED,\n"
        "                       threshold=H, stress='freq=1.5,sev=1.2')\nrun.summary()",
    ),
    (
        "code",
        "check(f'the run scales external losses with the truncated-regression α = {scaling.alpha:.3f}',\n"
        "      abs(run.inputs['scaling']['alpha'] - scaling.alpha) < 1e-12)\n"
        "t = run.summary().set_index('stage')\n"
        "check('the steps add up to the figure with all four elements',\n"
        "      abs(t.loc[['ild', 'external', 'scenarios', 'beicf'], 'var_change'].sum() - t.at['beicf', 'var']) < 1e-6 * t.at['beicf', 'var'])\n"
        "run.plot()",
    ),
    (
        "code",
        "b = I.beicf_factor\nlines = scores.groupby('unit').composite.last()\n"
        "f = lines.map(lambda s: b(s, run.beicf_bounds))\n"
        "check('every BEICF factor lies within its bounds [0.8, 1.2]', f.between(*run.beicf_bounds).all())\n"
        "pd.DataFrame({'composite': lines, 'factor': f})",
    ),
    ("code", "run.units_table().sort_values('beicf', ascending=False).head(10)"),
    (
        "md",
        "## As known at a cut-off\n\nThe same cut-off and seed give the same figures, whatever was "
        "recorded since; at the earlier cut-off (before the workshops, the external losses and the "
        "assessments were loaded) the run shows what was known then.",
    ),
    (
        "code",
        "again = db.capital.icaap(as_of=run.cutoff_position, year=YEAR, bank_size=BANK_SIZE, sims=SIMS, seed=SEED,\n"
        "                         threshold=H, stress='freq=1.5,sev=1.2')\n"
        "check('the same cut-off and seed reproduce the run', again.to_dict() == run.to_dict())\n"
        "earlier = db.capital.icaap(as_of=EARLIER_AS_OF, year=YEAR, bank_size=BANK_SIZE, sims=SIMS, seed=SEED, threshold=H)\n"
        "pd.DataFrame({'earlier cut-off': earlier.summary().set_index('label')['var'],\n"
        "              'now': run.summary().set_index('label')['var']})",
    ),
]

NOTEBOOKS = {
    "01-explore-losses.ipynb": NB01,
    "02-capital.ipynb": NB02,
    "03-lda.ipynb": NB03,
    "04-regulatory-export.ipynb": NB04,
    "05-icaap.ipynb": NB05,
}


def build() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = nbf.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        title, *rest = cells
        nb.cells = [nbf.v4.new_markdown_cell(title[1]), nbf.v4.new_code_cell(PARAMETERS)]
        nb.cells[1].metadata["tags"] = ["parameters"]
        # the plotting helpers are imported where a notebook draws with them
        uses_plots = any(re.search(r"(?<![\w.])plots\.", src) for kind, src in rest)
        nb.cells.append(
            nbf.v4.new_code_cell(
                SETUP.replace("{plots}", "\nfrom oprisk import plots" * uses_plots)
            )
        )
        nb.cells += [
            nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
            for kind, src in rest
        ]
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name.split('-')[0]}-{i:02d}"
        nbf.write(nb, HERE / name)


if __name__ == "__main__":
    build()
