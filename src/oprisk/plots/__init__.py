"""Figures for analysts, one module per subject (matplotlib is imported only when a plot is drawn):

- :mod:`oprisk.plots.losses` — where the losses are, by accounting year, two cut-offs compared;
- :mod:`oprisk.plots.lda` — severity fit diagnostics and the aggregate loss distribution;
- :mod:`oprisk.plots.capital` — how a capital figure is built (``CapitalRun.plot()``);
- :mod:`oprisk.plots.icaap` — the ICAAP attribution as a waterfall (``IcaapRun.plot()``).

Every function returns a :class:`matplotlib.figure.Figure` with one money unit, dates rather than
log positions, and the period, knowledge cut-off and unit of measure in its title. The loss plots
are also importable from here (``from oprisk import plots; plots.loss_heatmap(df)``).
"""

from .losses import compare_cutoffs, loss_heatmap, losses_by_year

__all__ = ["compare_cutoffs", "loss_heatmap", "losses_by_year"]
