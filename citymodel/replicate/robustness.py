"""Robustness of the GDP-correlation claim under random weights (Handbook Step 9, METHODS.md §10).

METHODOLOGICAL ILLUSTRATION on the SYNTHETIC calibrated panel
(:func:`citymodel.datasets.synthetic.make_h3c_panel`): the reports' real indicators are not
public, so this shows how much the index-GDP correlation *could* depend on the weights, not
what it is for the real index.

Recipe (Handbook p. 40): every indicator weight :math:`w_j \\sim U(0, 1)`, rescaled to sum to
1; 10,000 draws; report the lowest, median and highest correlation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from ..errors import DataError

__all__ = ["random_weight_correlations", "scenario_space_correlations", "summarise_draws"]


def _minmax(X: np.ndarray) -> np.ndarray:
    lo = np.nanmin(X, axis=-2, keepdims=True)
    hi = np.nanmax(X, axis=-2, keepdims=True)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (X - lo) / span


def random_weight_correlations(panel: xr.DataArray | None = None, n_draws: int = 10_000, *,
                               seed: int | np.random.Generator | None = 0) -> pd.DataFrame:
    """Pearson (vs log GDP) and Spearman (vs GDP) of a random-weight index, one row per draw.

    The index of draw :math:`k` is the weighted arithmetic mean of the min-max normalised,
    direction-adjusted indicators, :math:`I_{ik} = \\sum_j w_{kj} x_{ij} / \\sum_{j \\in
    \\mathrm{obs}(i)} w_{kj}` (missing indicators are skipped and the weights renormalised),
    with :math:`w_{kj} \\sim U(0, 1)`. Correlations use the cities with GDP (coordinate
    ``log_gdp``). All draws are computed at once (matrix product, no loop over draws).

    Parameters
    ----------
    panel : DataArray (city, indicator), optional
        Default ``make_h3c_panel(seed=0)``, labelled SYNTHETIC.
    n_draws : int, default 10,000 (the Handbook's number)
    seed : int or Generator

    Returns
    -------
    DataFrame with columns ``pearson_log_gdp`` and ``spearman``; ``attrs`` carries the
    nominal (equal-weight) values, n and the label.
    """
    if panel is None:
        from ..datasets.synthetic import make_h3c_panel

        panel = make_h3c_panel(seed=0)
    if "log_gdp" not in panel.coords:
        raise DataError("the panel needs a 'log_gdp' city coordinate (see make_h3c_panel)")
    if n_draws < 1:
        raise DataError(f"n_draws must be >= 1; got {n_draws}")
    X = np.asarray(panel.transpose("city", "indicator").values, float)
    if "direction" in panel.coords:
        X = X * np.asarray(panel.direction.values, float)
    lg = np.asarray(panel.log_gdp.values, float)
    keep = np.isfinite(lg)
    if keep.sum() < 5:
        raise DataError(f"only {int(keep.sum())} cities have GDP; need at least 5")
    Z = _minmax(X)[keep]
    obs = np.isfinite(Z)
    Z0 = np.where(obs, Z, 0.0)
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.0, 1.0, size=(n_draws, Z.shape[1]))
    W /= W.sum(axis=1, keepdims=True)
    idx = (Z0 @ W.T) / (obs.astype(float) @ W.T)  # (city, draw)
    y = lg[keep][:, None]
    ym = y - y.mean()
    im = idx - idx.mean(axis=0)
    pear = (im * ym).sum(0) / np.sqrt((im * im).sum(0) * (ym * ym).sum())
    ri = stats.rankdata(idx, axis=0)
    ry = stats.rankdata(y, axis=0)
    ri -= ri.mean(0)
    ry -= ry.mean()
    spear = (ri * ry).sum(0) / np.sqrt((ri * ri).sum(0) * (ry * ry).sum())
    eq = np.nanmean(Z, axis=1)
    out = pd.DataFrame({"pearson_log_gdp": pear, "spearman": spear})
    out.attrs = {"n_cities": int(keep.sum()), "n_draws": n_draws,
                 "nominal_pearson_log_gdp": float(stats.pearsonr(eq, lg[keep]).statistic),
                 "nominal_spearman": float(stats.spearmanr(eq, lg[keep]).statistic),
                 "label": "SYNTHETIC panel - methodological illustration, not the reports' data"}
    return out


def summarise_draws(draws: pd.DataFrame) -> pd.DataFrame:
    """Lowest, 5 %, median, 95 % and highest correlation over the draws (Handbook Step 9)."""
    q = draws.quantile([0.0, 0.05, 0.5, 0.95, 1.0])
    q.index = ["lowest", "q05", "median", "q95", "highest"]
    return q


def scenario_space_correlations(panel: xr.DataArray | None = None, n: int = 256, *, space=None,
                                spec=None, seed: int = 1) -> pd.DataFrame:
    """Correlation of the index with GDP in every scenario of an uncertainty analysis.

    Runs :func:`citymodel.uncertainty.engine.run_uncertainty` (``keep="full"``) over the
    scenario space of the sensitivity issue (default :func:`citymodel.demo.demo_space`:
    normalisation, weighting, aggregation, indicator exclusion, pillar-weight noise,
    bootstrap) and correlates each scenario's composite score with ln GDP over the cities
    with GDP. SYNTHETIC panel: a methodological illustration.

    Returns
    -------
    DataFrame, one row per scenario: ``pearson_log_gdp``, ``spearman`` and the factor labels.
    """
    import warnings

    from ..errors import CitymodelWarning
    from ..uncertainty.engine import run_uncertainty

    if panel is None:
        from ..datasets.synthetic import make_h3c_panel

        panel = make_h3c_panel(seed=0)
    if "log_gdp" not in panel.coords:
        raise DataError("the panel needs a 'log_gdp' city coordinate (see make_h3c_panel)")
    if space is None:
        from ..demo import demo_space

        space = demo_space()
    if spec is None:
        spec = {"normalise": {"method": "minmax", "range": [1, 100]}, "weights": "meta"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CitymodelWarning)
        res = run_uncertainty(panel, panel.attrs["framework"], space, n, spec=spec, seed=seed, keep="full")
    lg = np.asarray(panel.log_gdp.sel(city=res.runs.city.values).values, float)
    keep = np.isfinite(lg)
    S = np.asarray(res.runs.score.values, float)[:, keep]  # (scenario, city)
    ok_rows = np.isfinite(S).all(axis=1)
    y = lg[keep]
    pear = np.full(S.shape[0], np.nan)
    spear = np.full(S.shape[0], np.nan)
    Sm = S[ok_rows] - S[ok_rows].mean(axis=1, keepdims=True)
    ym = y - y.mean()
    pear[ok_rows] = (Sm * ym).sum(1) / np.sqrt((Sm * Sm).sum(1) * (ym * ym).sum())
    R = stats.rankdata(S[ok_rows], axis=1)
    R -= R.mean(axis=1, keepdims=True)
    ry = stats.rankdata(y) - (y.size + 1) / 2
    spear[ok_rows] = (R * ry).sum(1) / np.sqrt((R * R).sum(1) * (ry * ry).sum())
    out = pd.DataFrame({"pearson_log_gdp": pear, "spearman": spear})
    for v in res.runs.data_vars:
        if str(v).startswith("factor_"):
            out[str(v)[7:]] = res.runs[v].values
    out.attrs = {"n_cities": int(keep.sum()), "n_scenarios": n, "factors": list(space.names),
                 "label": "SYNTHETIC panel - methodological illustration, not the reports' data"}
    return out
