"""Replication of the reports' published claims (issue 7; METHODS.md §10).

* :mod:`.claims` -- the claim registry built from ``summary_stats.yaml``: every published figure
  with its quote, recomputation, tolerance and verdict (reproduced / not reproduced / not checkable).
* :mod:`.correlation` -- the GDP-correlation statistics with confidence intervals (Fisher z and
  bootstrap), OLS with HC3 errors, partial correlation, rank-vs-rank, log-log elasticity and
  the coverage (selection-bias) comparison.
* :mod:`.robustness` -- the correlation under random weights on the SYNTHETIC calibrated panel
  (a methodological illustration: the real indicators are not public).
* :mod:`.report` -- ``claims.csv``, a Markdown + HTML report and figures
  (``citymodel replicate``).
"""

from .claims import Claim, build_claims, claims_frame, recompute_figures
from .correlation import (
    bootstrap_ci,
    correlation_table,
    coverage_bias,
    fisher_ci,
    gdp_panel,
    log_log_elasticity,
    ols_hc3,
    partial_correlation,
    rank_vs_rank,
)
from .report import summary_lines, write_report
from .robustness import random_weight_correlations, scenario_space_correlations, summarise_draws

__all__ = [
    "Claim", "build_claims", "claims_frame", "recompute_figures",
    "bootstrap_ci", "correlation_table", "coverage_bias", "fisher_ci", "gdp_panel",
    "log_log_elasticity", "ols_hc3", "partial_correlation", "rank_vs_rank",
    "random_weight_correlations", "scenario_space_correlations", "summarise_draws",
    "summary_lines", "write_report",
]
