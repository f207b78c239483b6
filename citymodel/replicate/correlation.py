"""Statistics of the reports' "strong correlation with GDP" claims (METHODS.md §10, Handbook Step 9).

Every coefficient is reported with n, a Fisher-z and a bootstrap confidence interval; the
regression of the score on log GDP uses heteroskedasticity-robust HC3 standard errors
(statsmodels). Missing values are dropped pairwise and the cities lacking GDP are listed, because
the shipped GDP table covers only part of the 242 cities and the covered cities are not a random
sample (see :func:`coverage_bias`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..errors import DataError, unknown_name

__all__ = [
    "gdp_panel",
    "fisher_ci",
    "bootstrap_ci",
    "correlation_table",
    "ols_hc3",
    "partial_correlation",
    "log_log_elasticity",
    "rank_vs_rank",
    "coverage_bias",
    "STRONG_R",
]

#: Threshold for calling a correlation "strong" (Schober, Boer & Schwarte 2018, Anesth. Analg.
#: 126:1763, Table 1: 0.70-0.89 strong, >= 0.90 very strong).
STRONG_R = 0.7

_SE_VARIANTS = ("standard", "bonett_wright", "fieller")
_KINDS = ("pearson", "spearman", "kendall")


def gdp_panel(supplement=None) -> pd.DataFrame:
    """H3C 2021 scores and DE scales joined to 2020 city GDP (and population from a supplement).

    Parameters
    ----------
    supplement : path, optional
        GDP supplement CSV passed to :func:`citymodel.datasets.load_city_gdp` (shipped, cited
        values take precedence; the supplement only fills gaps).

    Returns
    -------
    DataFrame indexed by city: ``city_en, province, region, score, rank, tier, de_scale, gdp,
    gdp_origin, population`` (population NaN without a supplement). ``attrs["coverage"]``.
    """
    from ..datasets import load_city_gdp, load_h3c2021

    h = load_h3c2021()
    g = load_city_gdp(supplement)
    df = pd.DataFrame({
        "city_en": h.city_en.values, "province": h.province.values, "region": h.region.values,
        "score": h.score.values, "rank": h["rank"].values, "tier": h.tier.values,
        "de_scale": h.de_scale.values,
    }, index=pd.Index(h.city.values, name="city"))
    df["gdp"] = g["gdp_2020_yi"].reindex(df.index).to_numpy(float)
    df["gdp_origin"] = g["gdp_origin"].reindex(df.index).to_numpy()
    pop = g["population_2020_wan"] if "population_2020_wan" in g.columns else pd.Series(np.nan, index=g.index)
    df["population"] = pop.reindex(df.index).to_numpy(float)
    df.attrs = {"coverage": g.attrs["coverage"], "supplement": g.attrs.get("supplement")}
    return df


def _pair(x, y, what: str = "x and y") -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise DataError(f"{what} must be 1-D arrays of equal length; got shapes {x.shape} and {y.shape}")
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 5:
        raise DataError(f"{what}: only {int(ok.sum())} complete pairs; need at least 5 for a correlation "
                        "with a confidence interval (supply more GDP data, e.g. --gdp-supplement)")
    return x[ok], y[ok]


def fisher_ci(r: float, n: int, confidence: float = 0.95, *, se: str = "standard") -> tuple[float, float]:
    """Fisher-z confidence interval of a correlation coefficient.

    .. math:: \\tanh\\big(\\operatorname{artanh}(r) \\pm z_{1-\\alpha/2}\\,\\mathrm{SE}\\big)

    with :math:`\\mathrm{SE} = 1/\\sqrt{n-3}` (``"standard"``, Pearson),
    :math:`\\sqrt{(1 + r^2/2)/(n-3)}` (``"bonett_wright"``, Spearman; Bonett & Wright 2000,
    Psychometrika 65:23) or :math:`\\sqrt{0.437/(n-4)}` (``"fieller"``, Kendall; Fieller,
    Hartley & Pearson 1957, Biometrika 44:470).

    Examples
    --------
    >>> [round(v, 3) for v in fisher_ci(0.5, 28)]
    [0.156, 0.736]
    """
    if se not in _SE_VARIANTS:
        raise unknown_name("Fisher-z standard error", se, _SE_VARIANTS)
    if not 0 < confidence < 1:
        raise DataError(f"confidence must be in (0, 1); got {confidence}")
    k = 4 if se == "fieller" else 3
    if n <= k:
        raise DataError(f"Fisher-z interval needs n > {k}; got n = {n}")
    s = {"standard": 1.0, "bonett_wright": 1 + r * r / 2, "fieller": 0.437}[se]
    s = np.sqrt(s / (n - k))
    z = stats.norm.ppf(0.5 + confidence / 2)
    zr = np.arctanh(np.clip(r, -0.9999999, 0.9999999))
    return float(np.tanh(zr - z * s)), float(np.tanh(zr + z * s))


def _vec_pearson(x, y, axis=-1):
    xm = x - x.mean(axis=axis, keepdims=True)
    ym = y - y.mean(axis=axis, keepdims=True)
    return (xm * ym).sum(axis=axis) / np.sqrt((xm * xm).sum(axis=axis) * (ym * ym).sum(axis=axis))


def _vec_spearman(x, y, axis=-1):
    return _vec_pearson(stats.rankdata(x, axis=axis), stats.rankdata(y, axis=axis), axis=axis)


def _kendall(x, y):
    return stats.kendalltau(x, y).statistic


def bootstrap_ci(x, y, kind: str = "pearson", *, n_resamples: int = 2000, confidence: float = 0.95,
                 method: str = "percentile", seed: int | np.random.Generator | None = 0
                 ) -> tuple[float, float]:
    """Paired (case-resampling) bootstrap interval of a correlation, via :func:`scipy.stats.bootstrap`.

    Pairs with a NaN are dropped first. ``method`` is scipy's (``"percentile"``, ``"basic"``,
    ``"BCa"``). Kendall's tau is not vectorised, so its resamples are capped at 1000.
    Reference: Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13.
    """
    if kind not in _KINDS:
        raise unknown_name("correlation", kind, _KINDS)
    x, y = _pair(x, y)
    stat = {"pearson": _vec_pearson, "spearman": _vec_spearman, "kendall": _kendall}[kind]
    res = stats.bootstrap((x, y), stat, paired=True, vectorized=kind != "kendall",
                          n_resamples=n_resamples if kind != "kendall" else min(n_resamples, 1000),
                          confidence_level=confidence, method=method, rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def correlation_table(x, y, *, names: tuple[str, str] = ("gdp", "score"), log_x: bool = True,
                      n_boot: int = 2000, confidence: float = 0.95,
                      seed: int | np.random.Generator | None = 0) -> pd.DataFrame:
    """Pearson (levels and log x), Spearman and Kendall with p-values and two intervals each.

    Returns one row per statistic: ``statistic, estimate, p_value, n, fisher_lo, fisher_hi,
    boot_lo, boot_hi``. Rank coefficients are invariant to the log. Fisher SE variants:
    standard (Pearson), Bonett-Wright (Spearman), Fieller (Kendall); see :func:`fisher_ci`.
    """
    x, y = _pair(x, y, f"{names[0]} and {names[1]}")
    n = x.size
    rows = []
    cases = [(f"pearson ({names[0]} level)", "pearson", x, stats.pearsonr, "standard")]
    if log_x:
        if (x <= 0).any():
            raise DataError(f"{names[0]} has non-positive values; cannot take logs")
        cases.append((f"pearson (log {names[0]})", "pearson", np.log(x), stats.pearsonr, "standard"))
    cases += [("spearman", "spearman", x, stats.spearmanr, "bonett_wright"),
              ("kendall tau-b", "kendall", x, stats.kendalltau, "fieller")]
    for label, kind, xx, fn, se in cases:
        res = fn(xx, y)
        r = float(res.statistic)
        flo, fhi = fisher_ci(r, n, confidence, se=se)
        blo, bhi = bootstrap_ci(xx, y, kind, n_resamples=n_boot, confidence=confidence, seed=seed)
        rows.append({"statistic": label, "estimate": r, "p_value": float(res.pvalue), "n": n,
                     "fisher_lo": flo, "fisher_hi": fhi, "boot_lo": blo, "boot_hi": bhi})
    return pd.DataFrame(rows)


def ols_hc3(y, x, *, confidence: float = 0.95) -> dict:
    """OLS :math:`y = a + b x + e` with HC3 robust standard errors (MacKinnon & White 1985).

    Returns a dict ``intercept, slope, se_hc3, slope_lo, slope_hi, p_value, r2, n`` and the
    fitted statsmodels result under ``"fit"``.
    """
    x, y = _pair(x, y)
    fit = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HC3")
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    return {"intercept": float(fit.params[0]), "slope": float(fit.params[1]), "se_hc3": float(fit.bse[1]),
            "slope_lo": float(lo), "slope_hi": float(hi), "p_value": float(fit.pvalues[1]),
            "r2": float(fit.rsquared), "n": int(x.size), "fit": fit}


def partial_correlation(x, y, z) -> dict:
    """Pearson partial correlation of x and y controlling for z (residual method).

    .. math:: r_{xy\\cdot z} = \\frac{r_{xy} - r_{xz} r_{yz}}{\\sqrt{(1-r_{xz}^2)(1-r_{yz}^2)}}

    computed as the correlation of the OLS residuals of x and y on z; Fisher-z CI with
    :math:`\\mathrm{SE} = 1/\\sqrt{n-4}` (one control). Returns ``r, lo, hi, p_value, n``.
    """
    a = np.column_stack([np.asarray(v, float) for v in (x, y, z)])
    a = a[np.isfinite(a).all(axis=1)]
    n = a.shape[0]
    if n < 6:
        raise DataError(f"partial correlation needs at least 6 complete cases; got {n}")
    Z = np.column_stack([np.ones(n), a[:, 2]])
    res = [a[:, j] - Z @ np.linalg.lstsq(Z, a[:, j], rcond=None)[0] for j in (0, 1)]
    r = float(_vec_pearson(res[0], res[1]))
    zc = stats.norm.ppf(0.975)
    se = 1 / np.sqrt(n - 4)
    t = r * np.sqrt((n - 3) / (1 - r * r))
    return {"r": r, "lo": float(np.tanh(np.arctanh(r) - zc * se)), "hi": float(np.tanh(np.arctanh(r) + zc * se)),
            "p_value": float(2 * stats.t.sf(abs(t), n - 3)), "n": n}


def log_log_elasticity(de_scale, gdp) -> dict:
    """Elasticity of the digital-economy scale with respect to GDP: slope of ln DE on ln GDP (HC3).

    .. math:: \\ln DE_i = a + \\beta \\ln GDP_i + e_i

    β > 1 means the DE share of GDP rises with GDP. Returns :func:`ols_hc3`'s dict.
    """
    d, g = _pair(de_scale, gdp, "DE scale and GDP")
    if (d <= 0).any() or (g <= 0).any():
        raise DataError("DE scale and GDP must be positive for a log-log elasticity")
    return ols_hc3(np.log(d), np.log(g))


def rank_vs_rank(ranks, gdp, *, cities: Sequence[str] | None = None, n_boot: int = 2000,
                 seed: int | np.random.Generator | None = 0) -> dict:
    """Spearman and Kendall between a published rank (1 = best) and GDP, on the ranked cities only.

    The CCID Top 100 ranks only the top 100 cities: the sample is truncated on the outcome,
    which restricts its range and attenuates the correlation relative to all cities. A rank
    is negated so that a positive coefficient means "higher GDP, better rank". Returns
    ``spearman, spearman_lo, spearman_hi, kendall, kendall_lo, kendall_hi, n, missing``.
    """
    r = np.asarray(ranks, float)
    g = np.asarray(gdp, float)
    if r.shape != g.shape or (cities is not None and len(cities) != g.size):
        raise DataError(f"ranks ({r.size}), gdp ({g.size}) and cities "
                        f"({'-' if cities is None else len(cities)}) must have the same length")
    missing = [] if cities is None else [str(c) for c, v in zip(cities, g, strict=True) if not np.isfinite(v)]
    tab = correlation_table(g, -r, names=("gdp", "rank"), log_x=False, n_boot=n_boot, seed=seed)
    sp, kd = tab.iloc[1], tab.iloc[2]
    return {"spearman": sp.estimate, "spearman_lo": sp.fisher_lo, "spearman_hi": sp.fisher_hi,
            "spearman_boot_lo": sp.boot_lo, "spearman_boot_hi": sp.boot_hi,
            "kendall": kd.estimate, "kendall_lo": kd.fisher_lo, "kendall_hi": kd.fisher_hi,
            "n": int(sp.n), "missing": missing}


def coverage_bias(score, has_gdp) -> pd.DataFrame:
    """Compare the score distribution of the cities with GDP against all cities.

    Rows ``all``, ``with GDP``, ``without GDP``: n, mean, sd, median, min, max; the attrs carry
    a Mann-Whitney U test and a two-sample KS test (with vs without). If the covered cities score
    higher and have a narrower range, the correlation on them is attenuated by range restriction.
    """
    s = np.asarray(score, float)
    m = np.asarray(has_gdp, bool)
    rows = {}
    for name, v in (("all", s), ("with GDP", s[m]), ("without GDP", s[~m])):
        rows[name] = {"n": v.size, "mean": np.mean(v) if v.size else np.nan,
                      "sd": np.std(v, ddof=1) if v.size > 1 else np.nan,
                      "median": np.median(v) if v.size else np.nan,
                      "min": v.min() if v.size else np.nan, "max": v.max() if v.size else np.nan}
    out = pd.DataFrame(rows).T
    out["n"] = out["n"].astype(int)
    if m.sum() and (~m).sum():
        out.attrs["mann_whitney_p"] = float(stats.mannwhitneyu(s[m], s[~m]).pvalue)
        out.attrs["ks_p"] = float(stats.ks_2samp(s[m], s[~m]).pvalue)
    return out
