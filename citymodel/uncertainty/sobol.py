"""Vectorised Sobol' sensitivity indices from a Saltelli design.

Role in citymodel: the scenario engine evaluates the index pipeline on every row of a
:class:`~citymodel.uncertainty.sampling.SaltelliDesign` and gets outputs ``Y`` of shape
``(runs, *outputs)`` -- e.g. one rank per city, or the mean absolute rank shift R_S. This module
turns ``Y`` into first-order (S1), total (ST) and optionally second-order (S2) Sobol' indices for
**all outputs at once** (no loop over outputs), with bootstrap confidence intervals, and labels
the results with xarray (METHODS.md §8.3).

Estimators (Saltelli et al. 2010, Table 2), with A, B independent N x d matrices and A_B^(i) = A
with column i from B:

* first order, ``estimator="saltelli2010"``: V_i = mean(y_B (y_AB^(i) - y_A))        (Table 2 b)
* first order, ``estimator="jansen"``:       V_i = V - mean((y_B - y_AB^(i))^2) / 2  (Jansen 1999)
* total (both):                               V_Ti = mean((y_A - y_AB^(i))^2) / 2     (Jansen 1999)
* second order (needs B_A^(i)): S_ij = V^c_ij / V - S_i - S_j with V^c_ij = mean(y_BA^(i) y_AB^(j)
  - y_A y_B) (Saltelli 2002, as SALib) or, for ``"jansen"``, V - mean((y_BA^(i) - y_AB^(j))^2)/2.

S = V_i / V, V = var([y_A; y_B]). The ``standardise`` variants reproduce the reference software:
``"salib"`` = ``SALib.analyze.sobol.analyze`` (Y <- (Y - mean)/std over all rows, ddof 0; V with
ddof 0); ``"centre"`` = ``scipy.stats.sobol_indices`` (Y <- Y - mean([y_A; y_B]), ddof 0);
``"none"`` = COINr ``SA_estimate`` (raw Y, V with ddof 1). They change S1 (the Saltelli 2010
first-order estimator is not shift invariant) but not ST.

References
----------
Sobol', I.M. (1993). Sensitivity estimates for nonlinear mathematical models. MMCE 1, 407-414.
Jansen, M.J.W. (1999). Analysis of variance designs for model output. CPC 117, 35-43.
Saltelli, A. (2002). Making best use of model evaluations... CPC 145, 280-297.
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. CPC 181, 259-270.
Nardo, M. et al. (2008). Handbook on Constructing Composite Indicators, OECD/JRC, eqs 41-48.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import norm

from ..errors import DataError, SpecError, unknown_name
from .sampling import SaltelliDesign, SeedLike

__all__ = ["SobolResult", "sobol_indices", "convergence"]

ESTIMATORS = ("saltelli2010", "jansen")
STANDARDISATIONS = ("salib", "centre", "none")
BOOTSTRAP_METHODS = ("salib", "percentile", "coinr")
CONSTANT_OUTPUTS = ("nan", "zero")

#: an output is constant when range([y_A; y_B]) <= _CONST_RTOL * max|[y_A; y_B]| (V = 0 up to rounding)
_CONST_RTOL = 1e-12
#: with N * bootstrap <= this, resampling indices are drawn in one call exactly as SALib does
_SALIB_DRAW_MAX = 2**24
#: memory budget (bytes) for one chunk of bootstrap replicates (count matrix + products)
_CHUNK_BYTES = 2**26


# ----------------------------------------------------------------------------------------------
# result container
# ----------------------------------------------------------------------------------------------
@dataclass(eq=False)
class SobolResult:
    """Sobol' indices for every output.

    Attributes
    ----------
    S1, ST : ndarray, shape (d, *outputs)
        First-order and total-order indices.
    S1_conf, ST_conf : ndarray, shape (d, *outputs)
        Half-width of the ``conf`` bootstrap interval (NaN when ``bootstrap=0``).
    S1_lo, S1_hi, ST_lo, ST_hi : ndarray, shape (d, *outputs)
        Interval bounds: estimate -+ conf for ``bootstrap_method="salib"``, bootstrap percentiles
        otherwise.
    names : tuple of str
        Factor names.
    N : int
        Base sample size used.
    S2, S2_conf : ndarray, shape (d, d, *outputs) or None
        Second-order indices for i < j (NaN elsewhere, as SALib); None unless computed.
    constant : ndarray of bool, shape outputs
        Outputs with V = 0 (indices set by ``constant_output``).
    degenerate_resamples : ndarray of int, shape outputs
        Bootstrap replicates in which V = 0 (their estimates are NaN -- ignored -- or 0).
    estimator, standardise, bootstrap, bootstrap_method, conf, constant_output : settings used.
    notes : tuple of str
        Plain-language remarks (constant outputs, degenerate resamples...).
    """

    S1: np.ndarray
    ST: np.ndarray
    S1_conf: np.ndarray
    ST_conf: np.ndarray
    names: tuple[str, ...]
    N: int
    S1_lo: np.ndarray
    S1_hi: np.ndarray
    ST_lo: np.ndarray
    ST_hi: np.ndarray
    constant: np.ndarray
    degenerate_resamples: np.ndarray
    S2: np.ndarray | None = None
    S2_conf: np.ndarray | None = None
    estimator: str = "saltelli2010"
    standardise: str = "salib"
    bootstrap: int = 0
    bootstrap_method: str = "salib"
    conf: float = 0.95
    constant_output: str = "nan"
    notes: tuple[str, ...] = ()

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Shape of the outputs (``()`` for a scalar output)."""
        return tuple(self.S1.shape[1:])

    def _output_dims(self, output_coords) -> tuple[list[str], dict]:
        shape = self.output_shape
        if output_coords is None:
            dims = ["output"] if len(shape) == 1 else [f"output_{k}" for k in range(len(shape))]
            return dims, {}
        if isinstance(output_coords, str):
            output_coords = [output_coords]
        if isinstance(output_coords, Mapping):
            dims = [str(k) for k in output_coords]
            coords = {str(k): v for k, v in output_coords.items() if v is not None}
        else:
            dims, coords = [str(k) for k in output_coords], {}
        if len(dims) != len(shape):
            raise SpecError(
                f"output_coords names {len(dims)} dimension(s) {dims} but the outputs have shape "
                f"{shape}; give one entry per output dimension"
            )
        for k, dim in enumerate(dims):
            if dim in coords and len(coords[dim]) != shape[k]:
                raise SpecError(
                    f"output_coords[{dim!r}] has {len(coords[dim])} labels but that output "
                    f"dimension has length {shape[k]}"
                )
        return dims, coords

    def to_xarray(self, factor_names: Sequence[str] | None = None,
                  output_coords: Mapping[str, Sequence | None] | Sequence[str] | None = None
                  ) -> xr.Dataset:
        """Return the indices as an :class:`xarray.Dataset` with dims ``("factor", *outputs)``.

        Parameters
        ----------
        factor_names : sequence of str, optional
            Labels of the factor axis (default: :attr:`names`).
        output_coords : mapping or sequence, optional
            ``{"city": city_names}`` (one entry per output dimension; a value of None gives an
            unlabelled dimension), or just the dimension names. Default ``"output"`` (1-D) or
            ``output_0, output_1, ...``.

        Returns
        -------
        xarray.Dataset
            Variables S1, ST, S1_conf, ST_conf, S1_lo, S1_hi, ST_lo, ST_hi, constant,
            degenerate_resamples and, when computed, S2 / S2_conf with dims
            ``("factor", "factor_2", *outputs)``. Settings and notes are in ``attrs``.
        """
        names = tuple(self.names if factor_names is None else factor_names)
        d = self.S1.shape[0]
        if len(names) != d:
            raise SpecError(f"{len(names)} factor names given for {d} factors")
        dims, coords = self._output_dims(output_coords)
        fdims = ["factor", *dims]
        data = {
            k: (fdims, getattr(self, k))
            for k in ("S1", "ST", "S1_conf", "ST_conf", "S1_lo", "S1_hi", "ST_lo", "ST_hi")
        }
        data["constant"] = (dims, self.constant)
        data["degenerate_resamples"] = (dims, self.degenerate_resamples)
        all_coords = {"factor": list(names), **coords}
        if self.S2 is not None:
            data["S2"] = (["factor", "factor_2", *dims], self.S2)
            data["S2_conf"] = (["factor", "factor_2", *dims], self.S2_conf)
            all_coords["factor_2"] = list(names)
        attrs = {
            "N": int(self.N), "estimator": self.estimator, "standardise": self.standardise,
            "bootstrap": int(self.bootstrap), "bootstrap_method": self.bootstrap_method,
            "conf": float(self.conf), "constant_output": self.constant_output,
            "notes": " | ".join(self.notes),
            "reference": "Saltelli et al. 2010 CPC 181:259 (S1); Jansen 1999 CPC 117:35 (ST)",
        }
        return xr.Dataset(data, coords=all_coords, attrs=attrs)

    def flags(self, *, tol: float = 0.02, max_conf: float = 0.1,
              output_coords: Mapping[str, Sequence | None] | Sequence[str] | None = None
              ) -> pd.DataFrame:
        """List estimates that are negative, inconsistent, unstable or undefined.

        Issues (one row each):

        * ``constant_output`` -- V = 0; indices are NaN (or 0 with ``constant_output="zero"``).
        * ``negative_S1`` -- S1 < -S1_conf (below zero by more than its CI half-width; when no
          CI is available, S1 < -tol). Small negative S1 is sampling noise: raise N.
        * ``ST_below_S1`` -- ST < S1 - tol (impossible in theory; noise or interactions the
          estimators cannot resolve at this N).
        * ``wide_CI`` -- S1_conf or ST_conf > ``max_conf`` (estimate not resolved; raise N).
        * ``sum_S1_above_1`` -- sum of S1 over factors > 1 + tol.
        * ``degenerate_resamples`` -- some bootstrap replicates had V = 0.

        Parameters
        ----------
        tol : float
            Absolute tolerance for the ordering checks.
        max_conf : float
            Largest acceptable CI half-width (default 0.1, Saisana et al. 2005's importance
            threshold: a wider interval cannot tell important from unimportant).
        output_coords : as in :meth:`to_xarray`, to label outputs.

        Returns
        -------
        pandas.DataFrame
            Columns ``output``, ``factor``, ``issue``, ``value``, ``detail``; empty if all fine.
        """
        shape = self.output_shape
        K = int(np.prod(shape)) if shape else 1
        d = self.S1.shape[0]
        dims, coords = self._output_dims(output_coords)

        def label(k: int):
            if not shape:
                return None
            idx = np.unravel_index(k, shape)
            lab = tuple(
                coords[dim][int(i)] if dim in coords else int(i) for dim, i in zip(dims, idx, strict=True)
            )
            return lab[0] if len(lab) == 1 else lab

        S1 = self.S1.reshape(d, K)
        ST = self.ST.reshape(d, K)
        c1 = self.S1_conf.reshape(d, K)
        cT = self.ST_conf.reshape(d, K)
        const = self.constant.reshape(K)
        deg = self.degenerate_resamples.reshape(K)
        rows: list[dict] = []
        for k in np.flatnonzero(const):
            rows.append(dict(output=label(k), factor=None, issue="constant_output", value=0.0,
                             detail=f"V = 0; indices set to {self.constant_output}"))
        live = ~const
        neg_thr = np.where(np.isnan(c1), tol, c1)
        checks = [
            ("negative_S1", S1 < -neg_thr, S1, "S1 below zero by more than its CI half-width"),
            ("ST_below_S1", ST < S1 - tol, ST - S1, f"ST - S1 < -{tol}"),
            ("wide_CI", np.fmax(c1, cT) > max_conf, np.fmax(c1, cT),
             f"CI half-width > {max_conf}"),
        ]
        for issue, mask, value, detail in checks:
            for i, k in np.argwhere(mask & live[None, :]):
                rows.append(dict(output=label(int(k)), factor=self.names[int(i)], issue=issue,
                                 value=float(value[i, k]), detail=detail))
        s = S1.sum(axis=0)
        for k in np.flatnonzero(live & (s > 1 + tol)):
            rows.append(dict(output=label(int(k)), factor=None, issue="sum_S1_above_1",
                             value=float(s[k]), detail=f"sum of S1 > 1 + {tol}"))
        for k in np.flatnonzero(live & (deg > 0)):
            rows.append(dict(output=label(int(k)), factor=None, issue="degenerate_resamples",
                             value=float(deg[k]),
                             detail=f"{deg[k]} of {self.bootstrap} bootstrap replicates had V = 0"))
        return pd.DataFrame(rows, columns=["output", "factor", "issue", "value", "detail"])


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def _check_outputs(Y, design: SaltelliDesign) -> tuple[np.ndarray, tuple[int, ...], np.ndarray]:
    """Return Y as float (runs, K), the output shape and Y's column sums (K,).

    Raises DataError on bad input. A finite column sum proves its column finite (NaN and Inf
    propagate through a sum), so the cell-by-cell check runs only when a sum is not finite.
    """
    if not isinstance(design, SaltelliDesign):
        raise SpecError(
            f"design must be a SaltelliDesign (from saltelli_design), got {type(design).__name__}"
        )
    try:
        Y = np.asarray(Y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"model outputs must be numeric: {exc}") from None
    if Y.ndim == 0 or Y.shape[0] != design.runs:
        raise DataError(
            f"model outputs have {Y.shape[0] if Y.ndim else 0} rows but the Saltelli design has "
            f"{design.runs} runs (N = {design.N}, d = {design.d}); evaluate the model on every "
            "row of design.X, in order"
        )
    out_shape = tuple(Y.shape[1:])
    if 0 in out_shape:
        raise DataError(f"model outputs have an empty output axis (shape {Y.shape})")
    K = int(np.prod(out_shape)) if out_shape else 1
    col_sum = Y.reshape(design.runs, K).sum(axis=0)
    if not np.isfinite(col_sum).all() and not np.isfinite(Y).all():
        bad = ~np.isfinite(Y)
        idx = np.argwhere(bad)[0]
        where = f"run {int(idx[0])}" + (f", output {tuple(int(i) for i in idx[1:])}"
                                         if out_shape else "")
        raise DataError(
            f"model outputs contain NaN/Inf at {where}; Sobol' estimators need every run -- fix "
            "the failing scenario or drop that output"
        )
    return Y.reshape(design.runs, K), out_shape, col_sum


def _valid_quantile(x: np.ndarray, q: float) -> np.ndarray:
    """Type-7 quantile along axis 0 ignoring NaN, vectorised (NaN where nothing is valid)."""
    xs = np.sort(x, axis=0)  # NaN sorted last
    n = np.sum(~np.isnan(x), axis=0)
    pos = q * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    frac = pos - lo
    a = np.take_along_axis(xs, lo[None], axis=0)[0]
    b = np.take_along_axis(xs, hi[None], axis=0)[0]
    out = a + (b - a) * frac
    return np.where(n > 0, out, np.nan)


def _resample_indices(rng: np.random.Generator, N: int, R: int):
    """Yield bootstrap row indices in blocks of shape (r, N), one row per replicate.

    When N * R <= 2^24 they are drawn in one call as in SALib,
    ``rng.integers(N, size=(N, R))`` with column b = replicate b (int32: same values as SALib's
    int64 draw, half the memory), so with the same integer seed the resamples are SALib's.
    Larger problems draw blocks of replicates to bound memory (deterministic given seed, N, R).
    """
    if N * R <= _SALIB_DRAW_MAX:
        yield rng.integers(N, size=(N, R), dtype=np.int32).T
        return
    per = max(1, _SALIB_DRAW_MAX // N)
    for b0 in range(0, R, per):
        yield rng.integers(N, size=(min(per, R - b0), N), dtype=np.int32)


def _counts(idx: np.ndarray, N: int) -> np.ndarray:
    """Multiplicity of each row in each replicate: (r, N) indices -> (r, N) float counts."""
    r = idx.shape[0]
    flat = (idx.astype(np.int64) + (np.arange(r, dtype=np.int64) * N)[:, None]).ravel()
    return np.bincount(flat, minlength=r * N).reshape(r, N).astype(float)


# ----------------------------------------------------------------------------------------------
# main entry points
# ----------------------------------------------------------------------------------------------
def sobol_indices(
    Y,
    design: SaltelliDesign,
    *,
    estimator: str = "saltelli2010",
    standardise: str = "salib",
    bootstrap: int = 1000,
    conf: float = 0.95,
    bootstrap_method: str = "salib",
    seed: SeedLike = None,
    constant_output: str = "nan",
    second_order: bool | None = None,
    names: Sequence[str] | None = None,
) -> SobolResult:
    r"""First-order, total and (optionally) second-order Sobol' indices for all outputs at once.

    With y_A, y_B, y_AB^(i) the outputs on A, B and A_B^(i) (see module docstring),

    .. math::

        S_i = \frac{\overline{y_B (y_{AB^{(i)}} - y_A)}}{V}, \qquad
        S_{Ti} = \frac{\overline{(y_A - y_{AB^{(i)}})^2}}{2V}, \qquad V = \mathrm{var}([y_A; y_B])

    (Saltelli et al. 2010 for S_i; Jansen 1999 for S_Ti; METHODS.md §8.3).

    Parameters
    ----------
    Y : array_like, shape (runs,) or (runs, *outputs)
        Model outputs on ``design.X`` in row order, e.g. (runs, cities) of ranks.
    design : SaltelliDesign
    estimator : {"saltelli2010", "jansen"}
        First-order estimator: Saltelli et al. (2010) ``mean(y_B (y_ABi - y_A)) / V`` or Jansen
        (1999) ``1 - mean((y_B - y_ABi)^2) / (2V)``. The total index is Jansen's in both cases.
    standardise : {"salib", "centre", "none"}
        ``"salib"``: Y <- (Y - mean)/std over all rows (ddof 0), V ddof 0 -- reproduces
        ``SALib.analyze.sobol.analyze``. ``"centre"``: Y <- Y - mean([y_A; y_B]), V ddof 0 --
        ``scipy.stats.sobol_indices``. ``"none"``: raw Y, V = var([y_A; y_B], ddof=1) -- COINr
        ``SA_estimate``.
    bootstrap : int
        Number of bootstrap replicates (0 = no intervals; otherwise >= 2).
    conf : float
        Confidence level of the intervals, in (0, 1).
    bootstrap_method : {"salib", "percentile", "coinr"}
        All resample the N base points with replacement (rows of A, B, AB, BA jointly).
        ``"salib"``: V recomputed per replicate, half-width = z_{(1+conf)/2} * sd(ddof=1) of the
        replicates (SALib). ``"percentile"``: same replicates, interval = their
        (1-conf)/2, (1+conf)/2 quantiles (type 7). ``"coinr"``: V fixed at its full-sample value,
        percentile interval (COINr uses conf = 0.90, i.e. the 5 % / 95 % quantiles). Row
        resampling is done with a count matrix and a matrix product (exactly equivalent to
        indexing), in memory-bounded chunks of replicates, vectorised over outputs.
    seed : int, numpy.random.Generator or None
        Bootstrap randomness. For N * bootstrap <= 2^24 the indices are drawn exactly as SALib
        (``default_rng(seed).integers(N, size=(N, bootstrap))``), so ``bootstrap_method="salib"``
        with the same integer seed reproduces SALib's ``S1_conf``/``ST_conf`` to rounding.
    constant_output : {"nan", "zero"}
        Value of every index for outputs with V = 0 (range of [y_A; y_B] <= 1e-12 * max|y|),
        e.g. a city whose rank never changes. ``"zero"`` is SALib's choice. Listed by
        :meth:`SobolResult.flags` either way. Bootstrap replicates with V = 0 get NaN (excluded
        from the interval) or 0 likewise.
    second_order : bool, optional
        Compute S2 (needs a design with ``second_order=True``). Default: if the design has it.
    names : sequence of str, optional
        Factor names (default ``design.names``).

    Returns
    -------
    SobolResult

    Notes
    -----
    Exact properties (not only in expectation): a factor the model ignores exactly (or whose
    alternatives give identical outputs) has y_AB^(i) == y_A bit for bit, so ST_i = 0 exactly and,
    with ``estimator="saltelli2010"``, S1_i = 0 exactly (the Jansen first-order estimate is then
    only 0 up to sampling error). ST >= 0 always. S1 can be negative and sum(S1) can exceed 1 by
    sampling error; see :meth:`SobolResult.flags`.

    The bootstrap treats the N base points as i.i.d. For a scrambled Sobol' base the actual
    error is usually much smaller than the bootstrap interval suggests (Ishigami, N = 2^14:
    errors <= 0.0015 against 95 % half-widths of 0.007-0.02), so the intervals are conservative.

    References
    ----------
    Saltelli et al. (2010) CPC 181:259, Table 2; Jansen (1999) CPC 117:35; Saltelli (2002)
    CPC 145:280 (S2); SALib 1.6 ``SALib/analyze/sobol.py``; COINr ``SA_estimate``.

    Examples
    --------
    >>> from citymodel.uncertainty.sampling import saltelli_design
    >>> des = saltelli_design(1024, 3, seed=1)
    >>> Y = des.X[:, 0] + 10 * des.X[:, 1]          # x3 unused
    >>> res = sobol_indices(Y, des, bootstrap=0)
    >>> np.round(res.ST, 2).tolist(), float(res.S1[2]), float(res.ST[2])
    ([0.01, 0.99, 0.0], 0.0, 0.0)
    """
    if estimator not in ESTIMATORS:
        raise unknown_name("Sobol estimator", estimator, ESTIMATORS)
    if standardise not in STANDARDISATIONS:
        raise unknown_name("standardisation", standardise, STANDARDISATIONS)
    if bootstrap_method not in BOOTSTRAP_METHODS:
        raise unknown_name("bootstrap method", bootstrap_method, BOOTSTRAP_METHODS)
    if constant_output not in CONSTANT_OUTPUTS:
        raise unknown_name("constant_output option", constant_output, CONSTANT_OUTPUTS)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0 \
            or bootstrap == 1:
        raise SpecError(f"bootstrap must be 0 (no intervals) or an integer >= 2, got {bootstrap!r}")
    bootstrap = int(bootstrap)
    try:
        conf = float(conf)
    except (TypeError, ValueError):
        raise SpecError(f"conf must be a number in (0, 1), got {conf!r}") from None
    if not 0.0 < conf < 1.0:
        raise SpecError(f"conf must be in (0, 1) (e.g. 0.95), got {conf}")
    Y2, out_shape, col_sum = _check_outputs(Y, design)
    if second_order is None:
        second_order = design.second_order
    elif second_order and not design.second_order:
        raise SpecError(
            "second-order indices need the B_A blocks: build the design with "
            "saltelli_design(..., second_order=True)"
        )
    names = tuple(design.names if names is None else names)
    if len(names) != design.d:
        raise SpecError(f"{len(names)} factor names given for d = {design.d} factors")

    N, d = design.N, design.d
    K = Y2.shape[1]
    yA, yB, yAB, yBA = design.split(Y2)  # views of the caller's values: never written to
    ab = np.concatenate([yA, yB])
    const = np.ptp(ab, axis=0) <= _CONST_RTOL * np.abs(ab).max(axis=0)

    # Standardisation. Every index is a ratio of two quantities that scale with the square of
    # Y's scale, so SALib's division by sd cancels and only its centring matters (the Saltelli
    # 2010 first-order term y_B (y_AB - y_A) is not shift invariant). Centring a (2N, K) copy
    # instead of standardising all runs saves two passes over Y.
    if standardise == "salib":
        centre = col_sum / Y2.shape[0]
    elif standardise == "centre":
        centre = ab.mean(axis=0)
    else:
        centre = None
    if centre is not None:
        ab -= centre
    ddof = 1 if standardise == "none" else 0
    yAc, yBc = ab[:N], ab[N:]  # centred y_A, y_B
    with np.errstate(divide="ignore", invalid="ignore"):
        V = ab.var(axis=0, ddof=ddof)

    # Row terms in one (N, 2 + 2d, K) array: [V sums (2) | first-order (d) | total (d)]. Every
    # estimator is a function of row means, so the bootstrap is one product with a count
    # matrix W (replicates x N): resampled means = W @ terms / N.
    P = d * (d - 1) // 2 if second_order else 0
    M = np.empty((N, 2 + 2 * d, K))
    T1, TT = M[:, 2:2 + d], M[:, 2 + d:]
    np.subtract(np.moveaxis(yAB, 0, 1), yA[:, None], out=TT)
    if estimator == "saltelli2010":
        np.multiply(TT, yBc[:, None], out=T1)
    else:
        np.subtract(np.moveaxis(yAB, 0, 1), yB[:, None], out=T1)
        np.square(T1, out=T1)
        T1 *= 0.5
    np.square(TT, out=TT)  # 2 x the Jansen total-order term (the 1/2 is applied with V)
    if bootstrap:
        # centred on their own mean for a stable V = mean(y^2) - mean(y)^2 per replicate
        abm = ab - ab.mean(axis=0)
        np.add(abm[:N], abm[N:], out=M[:, 0])
        np.square(abm, out=abm)
        np.add(abm[:N], abm[N:], out=M[:, 1])
        del abm

    def t2(j: int) -> np.ndarray:
        """Second-order row terms for pairs (j, k), k > j: shape (N, d - j - 1, K)."""
        if estimator == "saltelli2010":
            c = 0.0 if centre is None else centre
            out = np.moveaxis(yAB[j + 1:], 0, 1) - c
            out *= (yBA[j] - c)[:, None]
            out -= (yAc * yBc)[:, None]
            return out
        out = np.moveaxis(yAB[j + 1:], 0, 1) - yBA[j][:, None]
        np.square(out, out=out)
        out *= 0.5
        return out

    def s1_from(m, v):
        return m / v if estimator == "saltelli2010" else 1.0 - m / v

    with np.errstate(divide="ignore", invalid="ignore"):
        S1 = s1_from(T1.mean(axis=0), V)
        ST = TT.mean(axis=0) / (2 * V)
        S2 = None
        if second_order:
            S2 = np.full((d, d, K), np.nan)
            for j in range(d - 1):
                vc = s1_from(t2(j).mean(axis=0), V)
                S2[j, j + 1:] = vc - S1[j] - S1[j + 1:]

    nan_fill = np.nan if constant_output == "nan" else 0.0
    S1_conf = np.full((d, K), np.nan)
    ST_conf = np.full((d, K), np.nan)
    S1_lo, S1_hi, ST_lo, ST_hi = (np.full((d, K), np.nan) for _ in range(4))
    S2_conf = np.full((d, d, K), np.nan) if second_order else None
    deg = np.zeros(K, dtype=int)

    if bootstrap:
        rng = np.random.default_rng(seed)
        R = bootstrap
        B1 = np.empty((R, d, K))
        BT = np.empty((R, d, K))
        B2 = np.empty((R, P, K)) if second_order else None
        degen = np.zeros((R, K), dtype=bool)
        M2 = M.reshape(N, -1)  # a view: M is contiguous
        ncols = M2.shape[1] + P * K
        per_chunk = max(1, _CHUNK_BYTES // (8 * (N + ncols)))
        fix_V = bootstrap_method == "coinr"
        pair_start = np.concatenate([[0], np.cumsum(np.arange(d - 1, 0, -1))]).astype(int)
        b = 0
        for block in _resample_indices(rng, N, R):
            for c0 in range(0, block.shape[0], per_chunk):
                W = _counts(block[c0:c0 + per_chunk], N)
                r = W.shape[0]
                sl = slice(b, b + r)
                means = (W @ M2).reshape(r, 2 + 2 * d, K)
                means /= N
                if fix_V:
                    Vb = np.broadcast_to(V, (r, K))
                    bad = np.zeros((r, K), dtype=bool)
                else:
                    m1, m2 = means[:, 0] / 2, means[:, 1] / 2
                    Vb = m2 - m1**2
                    bad = Vb <= 64 * np.finfo(float).eps * m2
                    if ddof:
                        Vb = Vb * (2 * N / (2 * N - 1))
                with np.errstate(divide="ignore", invalid="ignore"):
                    s1b = s1_from(means[:, 2:2 + d], Vb[:, None, :])
                    B1[sl] = s1b
                    np.divide(means[:, 2 + d:], 2 * Vb[:, None, :], out=BT[sl])
                    if second_order:
                        for j in range(d - 1):
                            m = np.moveaxis(W @ np.moveaxis(t2(j), 0, 1), 0, 1) / N
                            B2[sl, pair_start[j]:pair_start[j + 1]] = (
                                s1_from(m, Vb[:, None, :]) - s1b[:, j, None, :] - s1b[:, j + 1:]
                            )
                degen[sl] = bad
                b += r
        if degen.any():
            B1[np.broadcast_to(degen[:, None, :], B1.shape)] = nan_fill
            BT[np.broadcast_to(degen[:, None, :], BT.shape)] = nan_fill
            if second_order:
                B2[np.broadcast_to(degen[:, None, :], B2.shape)] = nan_fill
        deg = degen.sum(axis=0)

        def interval(est, boot):
            with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                if bootstrap_method == "salib":
                    half = norm.ppf(0.5 + conf / 2) * np.nanstd(boot, axis=0, ddof=1)
                    return half, est - half, est + half
                lo = _valid_quantile(boot, (1 - conf) / 2)
                hi = _valid_quantile(boot, (1 + conf) / 2)
                return (hi - lo) / 2, lo, hi

        S1_conf, S1_lo, S1_hi = interval(S1, B1)
        ST_conf, ST_lo, ST_hi = interval(ST, BT)
        if second_order:
            jj, kk = np.triu_indices(d, 1)
            S2_conf[jj, kk] = interval(S2[jj, kk], B2)[0]

    # constant outputs: every index (and interval) takes the chosen value
    arrays = [S1, ST, S1_conf, ST_conf, S1_lo, S1_hi, ST_lo, ST_hi]
    out = []
    for a in arrays:
        a = np.array(a, dtype=float)
        a[:, const] = nan_fill
        out.append(a.reshape((d, *out_shape)))
    S1, ST, S1_conf, ST_conf, S1_lo, S1_hi, ST_lo, ST_hi = out
    if second_order:
        jj, kk = np.triu_indices(d, 1)
        for a in (S2, S2_conf):
            sub = a[jj, kk]
            sub[:, const] = nan_fill
            a[jj, kk] = sub
        S2 = S2.reshape((d, d, *out_shape))
        S2_conf = S2_conf.reshape((d, d, *out_shape))

    notes = []
    n_const = int(const.sum())
    if n_const:
        notes.append(
            f"{n_const} of {K} output(s) are constant over A and B (V = 0): their indices are "
            + ("NaN (undefined)" if constant_output == "nan"
               else "set to 0 (SALib's convention; they are not estimates)")
        )
    n_deg = int(np.sum((deg > 0) & ~const))
    if n_deg:
        notes.append(
            f"for {n_deg} output(s) some bootstrap replicates had V = 0; they were "
            + ("left out of the intervals" if constant_output == "nan" else "counted as 0")
        )
    return SobolResult(
        S1=S1, ST=ST, S1_conf=S1_conf, ST_conf=ST_conf, names=names, N=N,
        S1_lo=S1_lo, S1_hi=S1_hi, ST_lo=ST_lo, ST_hi=ST_hi,
        constant=const.reshape(out_shape), degenerate_resamples=deg.reshape(out_shape),
        S2=S2, S2_conf=S2_conf, estimator=estimator, standardise=standardise,
        bootstrap=bootstrap, bootstrap_method=bootstrap_method, conf=conf,
        constant_output=constant_output, notes=tuple(notes),
    )


def convergence(
    Y,
    design: SaltelliDesign,
    Ns: Sequence[int] | None = None,
    *,
    output_coords: Mapping[str, Sequence | None] | Sequence[str] | None = None,
    **kwargs,
) -> xr.Dataset:
    """Sobol' indices recomputed on the first N' base points, to check convergence.

    Parameters
    ----------
    Y : array_like, shape (runs, *outputs)
        Outputs on the full design.
    design : SaltelliDesign
    Ns : sequence of int, optional
        Base sample sizes 2 <= N' <= N. Default: the doubling sequence 8, 16, 32, ... below N,
        then N itself (for a Sobol' base with N = 2^m each prefix is a balanced design).
    output_coords : as in :meth:`SobolResult.to_xarray`.
    **kwargs
        Passed to :func:`sobol_indices` (estimator, standardise, bootstrap, seed...). The same
        seed is used for every N'. With ``standardise="salib"`` each prefix is standardised
        over its own rows, as SALib would on that prefix.

    Returns
    -------
    xarray.Dataset
        The :meth:`SobolResult.to_xarray` variables stacked along a new leading dim ``"N"``:
        dims ``("N", "factor", *outputs)``.

    Examples
    --------
    >>> from citymodel.uncertainty.sampling import saltelli_design
    >>> des = saltelli_design(64, 2, seed=0)
    >>> ds = convergence(des.X[:, 0] + des.X[:, 1] ** 2, des, bootstrap=0)
    >>> ds["N"].values.tolist(), ds["S1"].dims
    ([8, 16, 32, 64], ('N', 'factor'))
    """
    Y2, out_shape, _ = _check_outputs(Y, design)
    Y2 = Y2.reshape((design.runs, *out_shape))
    if Ns is None:
        Ns = [1 << k for k in range(3, 64) if (1 << k) < design.N] + [design.N]
    else:
        try:
            Ns = [int(n) for n in Ns]
        except (TypeError, ValueError):
            raise SpecError(f"Ns must be a sequence of integers, got {Ns!r}") from None
        bad = [n for n in Ns if not 2 <= n <= design.N]
        if bad or not Ns:
            raise SpecError(
                f"Ns must lie between 2 and the design's N = {design.N}; offending: {bad or Ns}"
            )
        Ns = sorted(set(Ns))
    parts = []
    for n in Ns:
        sub, idx = design.subset(n)
        res = sobol_indices(Y2[idx], sub, **kwargs)
        parts.append(res.to_xarray(output_coords=output_coords))
    ds = xr.concat(parts, dim=pd.Index(Ns, name="N"), combine_attrs="drop_conflicts")
    ds.attrs.pop("N", None)
    return ds
