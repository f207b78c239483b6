"""Production-function estimation with statsmodels (Cobb-Douglas and translog).

Cobb-Douglas: ``ln Y_it = ln A + Σ_x b_x ln X_x,it (+ λ t) (+ μ_i + τ_t) + ε_it`` — e.g.
``ln Y = ln A + α ln K_ICT + β ln K_N + γ ln L``. Pooled OLS (``effects="none"``) or least-squares
dummy-variable fixed effects by city, year or both (``"twoway"``; numerically the within
estimator). ``crs=True`` imposes constant returns (Σ b = 1) by regressing ``ln(Y/X_last)`` on
``ln(X/X_last)``; the last input's elasticity and its standard error follow from the linear
restriction. ``translog=True`` adds ½ (ln X)² and cross terms; elasticities are then reported at
the sample mean of the logs: ``ε_j = b_j + Σ_k b_jk mean(ln X_k)``.
Standard errors: classical, heteroskedasticity-robust (HC0-HC3, White 1980) or clustered by
city (Arellano 1987). References: Munnell (1990); Baltagi, *Econometric Analysis of Panel Data*;
Christensen, Jorgenson & Lau (1973) REStat 55:28 (translog).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.stats
import statsmodels.api as sm
import xarray as xr

from ..errors import DataError, MethodError, SpecError, unknown_name

__all__ = ["ProductionResult", "estimate_production", "EFFECTS", "COV_TYPES"]

EFFECTS = ("none", "city", "year", "twoway")
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")


@dataclass
class ProductionResult:
    """Estimated production function.

    Attributes
    ----------
    params, bse : Series
        Output elasticities of the inputs (at the sample mean for translog), then trend and
        control coefficients, with their standard errors.
    fit : statsmodels RegressionResults
        The underlying OLS fit (with the selected covariance).
    table : DataFrame
        ``coef, se, t, p, ci_low, ci_high`` for every reported term.
    """

    params: pd.Series
    bse: pd.Series
    table: pd.DataFrame
    fit: object
    inputs: tuple[str, ...]
    options: dict = field(default_factory=dict)
    restrictions: pd.DataFrame | None = field(default=None, repr=False)
    crs_last: str | None = None

    @property
    def nobs(self) -> int:
        return int(self.fit.nobs)

    @property
    def returns_to_scale(self) -> float:
        """Sum of the input elasticities (1 under constant returns)."""
        return float(self.params[list(self.inputs)].sum())

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Confidence intervals ``(low, high)`` of the reported terms at level 1 − alpha."""
        return _report(self.fit, self.restrictions, alpha, self.crs_last)[["ci_low", "ci_high"]]

    def summary(self) -> str:
        """Plain-text summary: options, fit statistics and the elasticity table."""
        o = self.options
        lines = [
            f"Production function: {'translog' if o['translog'] else 'Cobb-Douglas'}, "
            f"effects={o['effects']}, crs={o['crs']}, trend={o['trend']}, cov_type={o['cov_type']}",
            f"Dependent: ln {o['output']}; n = {self.nobs}, R^2 = {self.fit.rsquared:.4f}, "
            f"returns to scale = {self.returns_to_scale:.4f}",
            self.table.to_string(float_format=lambda v: f"{v:.4f}"),
        ]
        if o["translog"]:
            lines.append("(translog elasticities evaluated at the sample mean of the log inputs)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def _to_frame(data, entity: str, time: str, cols: Sequence[str]) -> pd.DataFrame:
    if isinstance(data, xr.Dataset):
        absent = [c for c in cols if c not in data.data_vars]
        if absent:
            raise DataError(f"data has no column/variable {absent}; available: {list(data.data_vars)}")
        df = data[list(cols)].to_dataframe().reset_index()
    elif isinstance(data, pd.DataFrame):
        df = data.reset_index() if entity not in data.columns else data.copy()
    else:
        raise DataError(f"data must be an xarray.Dataset (dims {entity} x {time}) or a DataFrame")
    missing = [c for c in (entity, time, *cols) if c not in df.columns]
    if missing:
        raise DataError(f"data has no column/variable {missing}; available: {list(df.columns)}")
    return df[[entity, time, *cols]]


def _dependent_columns(X: np.ndarray, names: list[str]) -> list[str]:
    """Names of columns that are (numerically) linear combinations of others (pivoted QR of X'X)."""
    norms = np.linalg.norm(X, axis=0)
    norms[norms == 0] = 1.0
    Xs = X / norms
    _, R, piv = scipy.linalg.qr(Xs.T @ Xs, pivoting=True)
    d = np.abs(np.diag(R))
    rank = int((d > d.max() * 1e-10).sum()) if d.size else 0
    return [names[i] for i in piv[rank:]]


def _report(fit, R: pd.DataFrame, alpha: float, crs_last: str | None) -> pd.DataFrame:
    table = _table(fit, R, alpha)
    if crs_last is not None:  # restricted elasticity 1 − Σ others: add the constant 1
        table.loc[crs_last, ["coef", "ci_low", "ci_high"]] += 1.0
        se = table.loc[crs_last, "se"]
        t = table.loc[crs_last, "coef"] / se if se > 0 else np.nan
        table.loc[crs_last, "t"] = t
        dfres = fit.df_resid if fit.use_t else np.inf
        table.loc[crs_last, "p"] = 2 * scipy.stats.t.sf(abs(t), dfres)
    return table


def _table(fit, R: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    tt = fit.t_test(R.to_numpy())
    ci = np.atleast_2d(tt.conf_int(alpha=alpha))
    return pd.DataFrame({
        "coef": np.ravel(tt.effect), "se": np.ravel(tt.sd), "t": np.ravel(tt.tvalue),
        "p": np.ravel(tt.pvalue), "ci_low": ci[:, 0], "ci_high": ci[:, 1],
    }, index=R.index)


def estimate_production(
    data: xr.Dataset | pd.DataFrame,
    output: str = "Y",
    inputs: Sequence[str] = ("K_ICT", "K_N", "L"),
    controls: Sequence[str] = (),
    *,
    effects: str = "none",
    trend: bool = False,
    crs: bool = False,
    translog: bool = False,
    cov_type: str = "nonrobust",
    entity: str = "city",
    time: str = "year",
    dropna: bool = False,
) -> ProductionResult:
    """Estimate a Cobb-Douglas (or translog) production function by OLS.

    ``ln Y = c + Σ_x b_x ln X_x + Σ_c g_c Z_c (+ λ t) (+ city/year dummies) + ε``.

    Parameters
    ----------
    data : Dataset (``entity`` × ``time``) or long DataFrame with ``entity`` and ``time`` columns
    output, inputs : str
        Output and input variables (logged; must be > 0).
    controls : sequence of str
        Regressors entered in levels (e.g. unemployment).
    effects : {"none", "city", "year", "twoway"}
        Pooled OLS, or fixed effects (dummies) for the entity, the time period, or both.
    trend : bool
        Add a linear time trend λ t (collinear with year effects: rejected there).
    crs : bool
        Impose constant returns to scale, Σ b_x = 1 (Cobb-Douglas only).
    translog : bool
        Add ½ (ln X_j)² and ln X_j ln X_k terms.
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"}
        Standard errors; "cluster" clusters by ``entity``.
    dropna : bool
        Drop incomplete rows (default: raise naming the first city/year).

    Returns
    -------
    ProductionResult with ``params``, ``bse``, ``conf_int()``, ``summary()``.
    """
    if effects not in EFFECTS:
        raise unknown_name("fixed-effects option", effects, EFFECTS)
    if cov_type not in COV_TYPES:
        raise unknown_name("covariance type", cov_type, COV_TYPES)
    if crs and translog:
        raise SpecError("crs=True is implemented for Cobb-Douglas only; use translog=False, or test "
                        "returns to scale on the unrestricted translog")
    inputs = tuple(inputs)
    if not inputs:
        raise SpecError("give at least one input")
    df = _to_frame(data, entity, time, (output, *inputs, *controls))
    na = df[[output, *inputs, *controls]].isna().any(axis=1)
    if na.any():
        if not dropna:
            r = df[na].iloc[0]
            raise DataError(f"missing value for {entity} {r[entity]!r}, {time} {r[time]}; "
                            "fill it or pass dropna=True")
        df = df[~na]
    for v in (output, *inputs):
        bad = ~(df[v] > 0)
        if bad.any():
            r = df[bad].iloc[0]
            raise MethodError(f"{v} must be > 0 to take logs, but is {r[v]} at {entity} {r[entity]!r}, "
                              f"{time} {r[time]}; drop or correct the observation")
    lx = {v: np.log(df[v].to_numpy(float)) for v in inputs}
    y = np.log(df[output].to_numpy(float))
    cols: dict[str, np.ndarray] = {"const": np.ones(len(df))}
    if crs:
        last = inputs[-1]
        y = y - lx[last]
        for v in inputs[:-1]:
            cols[v] = lx[v] - lx[last]
    else:
        for v in inputs:
            cols[v] = lx[v]
    if translog:
        for j, a in enumerate(inputs):
            for b in inputs[j:]:
                cols[f"{a}*{b}"] = (0.5 if a == b else 1.0) * lx[a] * lx[b]
    if trend:
        cols["trend"] = (df[time] - df[time].min()).to_numpy(float)
    for c in controls:
        cols[c] = df[c].to_numpy(float)
    if effects in ("city", "twoway"):
        d = pd.get_dummies(df[entity], prefix=entity, drop_first=True, dtype=float)
        cols.update({k: d[k].to_numpy() for k in d.columns})
    if effects in ("year", "twoway"):
        d = pd.get_dummies(df[time], prefix=time, drop_first=True, dtype=float)
        cols.update({k: d[k].to_numpy() for k in d.columns})
    names = list(cols)
    X = np.column_stack([cols[k] for k in names])
    if X.shape[0] <= X.shape[1]:
        raise DataError(f"{X.shape[0]} observations for {X.shape[1]} coefficients; more data are needed")
    dep = _dependent_columns(X, names)
    if dep:
        raise MethodError(f"collinear regressors: {', '.join(dep)} are linear combinations of the other "
                          "columns; drop one of them (e.g. a trend together with year effects, or an "
                          "input that is proportional to another)")
    model = sm.OLS(y, X)
    if cov_type == "cluster":
        groups = pd.factorize(df[entity])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    else:
        fit = model.fit(cov_type=cov_type)
    # linear combinations of the coefficients that are reported
    rows: dict[str, np.ndarray] = {}
    idx = {n: i for i, n in enumerate(names)}
    means = {v: float(np.mean(lx[v])) for v in inputs}
    for v in inputs:
        r = np.zeros(len(names))
        if crs:
            if v == inputs[-1]:
                r[[idx[u] for u in inputs[:-1]]] = -1.0
            else:
                r[idx[v]] = 1.0
        else:
            r[idx[v]] = 1.0
            if translog:
                for a_j, a in enumerate(inputs):
                    for b in inputs[a_j:]:
                        k = idx[f"{a}*{b}"]
                        if a == b == v:
                            r[k] += means[v]
                        elif a == v:
                            r[k] += means[b]
                        elif b == v:
                            r[k] += means[a]
        rows[v] = r
    extra = (["trend"] if trend else []) + list(controls) + ["const"]
    for c in extra:
        r = np.zeros(len(names))
        r[idx[c]] = 1.0
        rows[c] = r
    R = pd.DataFrame(rows, index=names).T
    crs_last = inputs[-1] if crs else None
    table = _report(fit, R, 0.05, crs_last)
    return ProductionResult(
        params=table["coef"].rename("coef"), bse=table["se"].rename("se"), table=table, fit=fit,
        inputs=inputs,
        options={"output": output, "effects": effects, "crs": crs, "translog": translog,
                 "trend": trend, "cov_type": cov_type, "entity": entity},
        restrictions=R, crs_last=crs_last,
    )
