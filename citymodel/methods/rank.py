"""Ranks, rank shifts and tiers (METHODS.md §7, §8.2).

This module turns composite scores of shape ``(..., city)`` into

* **ranks** (:func:`rank`): 1 = best (highest score) by default, ties ``min`` as in COINr's
  ``rank_df``; batched over any leading ("scenario") axes with one stable argsort per row and a
  scatter, so the uncertainty engine can rank thousands of scenarios at once;
* **rank shifts** (:func:`rank_shift`, :func:`mean_abs_rank_shift`): Δ_c = rank_c − rank_ref,c and
  the Handbook's R_S = (1/M) Σ_c |rank_ref,c − rank_c| (eq. 38);
* **tiers** (城市分级, e.g. 一线/新一线/二线...): fixed score bands (:func:`tier_bands`), rank
  quantiles (:func:`tier_quantile`), Fisher–Jenks natural breaks (:func:`jenks_breaks`,
  :func:`tier_jenks`, :func:`goodness_of_variance_fit`) and 1-D k-means (:func:`tier_kmeans`),
  all dispatched by :func:`assign_tiers` through the :data:`TIER_METHODS` registry.

Every tiering function returns a :class:`Tiers` record: integer codes with **0 = best tier**
(``-1`` for a missing score) plus the tier labels ordered best first.

References
----------
OECD/JRC (2008), *Handbook on Constructing Composite Indicators*, eq. 38 and Step 7.
Becker W. et al. (2022), COINr: an R package for developing composite indicators, JOSS 7(78):4567.
Fisher W.D. (1958), On grouping for maximum homogeneity, JASA 53:789-798.
Jenks G.F. (1977), Optimal data classification for choropleth maps, Univ. Kansas Occ. Paper 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from ..errors import DataError, MethodError, SpecError, unknown_name

__all__ = [
    "TIES",
    "TIER_METHODS",
    "Tiers",
    "rank",
    "rank_shift",
    "mean_abs_rank_shift",
    "tier_bands",
    "tier_quantile",
    "tier_rank_bands",
    "jenks_breaks",
    "goodness_of_variance_fit",
    "tier_jenks",
    "tier_kmeans",
    "assign_tiers",
]

#: Valid tie-handling methods of :func:`rank` (same names and meaning as ``scipy.stats.rankdata``).
TIES = ("min", "max", "average", "dense", "ordinal")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _as_scores(scores, what: str = "scores") -> np.ndarray:
    try:
        x = np.asarray(scores, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be numeric: {exc}") from None
    if x.ndim == 0:
        raise DataError(f"{what} must have shape (..., city); got a scalar")
    return x


def _as_1d(values, what: str = "values") -> np.ndarray:
    x = _as_scores(values, what)
    if x.ndim != 1:
        raise DataError(f"{what} must be 1-D (one value per city); got shape {x.shape}")
    if np.isinf(x).any():
        raise DataError(f"{what} contains +-Inf at position {int(np.argmax(np.isinf(x)))}; "
                        "replace it by a finite value or NaN")
    return x


def _check_k(k, n_distinct: int | None = None, what: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise SpecError(f"{what} (number of tiers) must be a positive integer; got {k!r}")
    if n_distinct is not None and k > n_distinct:
        raise MethodError(
            f"cannot form {k} tiers from only {n_distinct} distinct non-missing values; "
            f"use k <= {n_distinct}"
        )
    return int(k)


def _check_labels(labels, k: int) -> tuple[str, ...]:
    if labels is None:
        return tuple(f"T{i + 1}" for i in range(k))
    labels = tuple(str(lab) for lab in labels)
    if len(labels) != k:
        raise SpecError(f"{len(labels)} tier labels given for {k} tiers; give one label per tier, "
                        "best tier first")
    if len(set(labels)) != k:
        raise SpecError(f"tier labels must be distinct; got {labels}")
    return labels


# --------------------------------------------------------------------------------------------
# ranks
# --------------------------------------------------------------------------------------------
def rank(scores, *, ties: str = "min", ascending: bool = False) -> np.ndarray:
    """Rank scores over the last axis (1 = best = highest score by default).

    For each row ``x`` of ``scores`` (shape ``(..., city)``), the rank of city ``c`` is its
    position in ``x`` sorted from best to worst. Ties are resolved by ``ties``:

    ``min``      all tied cities get the best (smallest) rank of the run (COINr ``rank_df``,
                 competition ranking "1224");
    ``max``      the worst rank of the run ("1334");
    ``average``  the mean of the run (R's default, Compind ``normalise_ci(method=3)``);
    ``dense``    1 + number of distinct better scores ("1223");
    ``ordinal``  distinct ranks in order of appearance ("1234", stable).

    NaN scores get a NaN rank and take no rank; the other cities are ranked among themselves
    (the ``nan_policy="omit"`` semantics of ``scipy.stats.rankdata``). With ``ascending=True``
    the smallest score gets rank 1.

    Implementation: one stable ``argsort`` per row, tie runs found on the sorted values with
    ``np.maximum.accumulate``, ranks scattered back with ``np.put_along_axis``; fully batched.

    Parameters
    ----------
    scores : array_like, shape (..., city)
    ties : {"min", "max", "average", "dense", "ordinal"}
    ascending : bool
        False (default): highest score = rank 1. True: lowest score = rank 1.

    Returns
    -------
    numpy.ndarray of float, shape (..., city)

    References
    ----------
    METHODS.md §0 (ranks: 1 = best, rank(−CI), ties ``min``, NA kept).

    Examples
    --------
    >>> rank([0.3, 0.9, 0.3, np.nan]).tolist()
    [2.0, 1.0, 2.0, nan]
    >>> rank([0.3, 0.9, 0.3], ties="average").tolist()
    [2.5, 1.0, 2.5]
    >>> rank([[1, 2, 3], [3, 3, 1]], ties="dense").tolist()
    [[3.0, 2.0, 1.0], [1.0, 1.0, 2.0]]
    """
    x = _as_scores(scores)
    if ties not in TIES:
        raise unknown_name("tie method", ties, TIES)
    m = x.shape[-1]
    if m == 0:
        return x.copy()
    key = x if ascending else -x
    order = np.argsort(key, axis=-1, kind="stable")  # NaN sort last
    s = np.take_along_axis(key, order, axis=-1)
    pos = np.broadcast_to(np.arange(m), s.shape)
    if ties == "ordinal":
        r = pos + 1.0
    else:
        # new[i]: sorted position i starts a run of equal values (NaN != NaN, harmless: NaNs last)
        new = np.ones(s.shape, dtype=bool)
        new[..., 1:] = s[..., 1:] != s[..., :-1]
        if ties == "dense":
            r = np.cumsum(new, axis=-1).astype(float)
        else:
            first = np.maximum.accumulate(np.where(new, pos, 0), axis=-1)
            if ties == "min":
                r = first + 1.0
            else:
                end = np.ones(s.shape, dtype=bool)
                end[..., :-1] = new[..., 1:]
                last = np.minimum.accumulate(np.where(end, pos, m - 1)[..., ::-1], axis=-1)[..., ::-1]
                r = last + 1.0 if ties == "max" else (first + last) / 2.0 + 1.0
    r = np.where(np.isnan(s), np.nan, r)
    out = np.empty(x.shape, dtype=float)
    np.put_along_axis(out, order, r, axis=-1)
    return out


def rank_shift(ranks, reference) -> np.ndarray:
    """Rank shift Δ_c = rank_c − rank_ref,c (positive = the city fell behind the reference).

    Parameters
    ----------
    ranks : array_like, shape (..., city)
    reference : array_like, shape (city,) or broadcastable to ``ranks``
        Usually the nominal (reference) ranking.

    Returns
    -------
    numpy.ndarray, shape of the broadcast of ``ranks`` and ``reference``

    References
    ----------
    METHODS.md §7; OECD/JRC Handbook (2008) eq. 38.

    Examples
    --------
    >>> rank_shift([[2, 1, 3], [1, 3, 2]], [1, 2, 3]).tolist()
    [[1.0, -1.0, 0.0], [0.0, 1.0, -1.0]]
    """
    r = _as_scores(ranks, "ranks")
    ref = _as_scores(reference, "reference ranks")
    if r.shape[-1] != ref.shape[-1]:
        raise DataError(f"ranks have {r.shape[-1]} cities but the reference has {ref.shape[-1]}; "
                        "both must rank the same cities in the same order")
    try:
        return r - ref
    except ValueError:
        raise DataError(f"ranks of shape {r.shape} and reference of shape {ref.shape} "
                        "do not broadcast") from None


def mean_abs_rank_shift(ranks, reference) -> np.ndarray | float:
    """Average absolute rank shift R_S = (1/M) Σ_c |rank_ref,c − rank_c| over the last axis.

    Cities whose rank or reference rank is NaN are ignored (M counts the others); a row
    with no comparable city gives NaN.

    Parameters
    ----------
    ranks : array_like, shape (..., city)
    reference : array_like, broadcastable to ``ranks``

    Returns
    -------
    numpy.ndarray of shape (...) (a float for 1-D input)

    References
    ----------
    OECD/JRC Handbook (2008) eq. 38; COINr ``get_sensitivity`` output; METHODS.md §8.2.

    Examples
    --------
    >>> float(mean_abs_rank_shift([2, 1, 3, 4], [1, 2, 3, 4]))
    0.5
    """
    d = np.abs(rank_shift(ranks, reference))
    ok = ~np.isnan(d)
    n = ok.sum(axis=-1)
    tot = np.where(ok, d, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n > 0, tot / np.maximum(n, 1), np.nan)
    return out[()] if out.ndim == 0 else out


# --------------------------------------------------------------------------------------------
# tiers
# --------------------------------------------------------------------------------------------
class Tiers(NamedTuple):
    """Tier assignment: ``codes`` (int, 0 = best tier, -1 = missing score) and ``labels``.

    ``labels[t]`` names tier ``t`` (best first). :attr:`named` gives the label of each city.
    """

    codes: np.ndarray
    labels: tuple[str, ...]

    @property
    def named(self) -> np.ndarray:
        """Per-city tier labels (object array, ``None`` where the score is missing)."""
        lab = np.array([*self.labels, None], dtype=object)
        return lab[np.where(self.codes < 0, len(self.labels), self.codes)]

    def counts(self) -> np.ndarray:
        """Number of cities in each tier (best first), over all leading axes together."""
        c = self.codes[self.codes >= 0]
        return np.bincount(c, minlength=len(self.labels))


def tier_bands(scores, cutoffs: Sequence[float], labels: Sequence[str] | None = None,
               right: bool = False) -> Tiers:
    """Fixed score bands: K ascending cut-offs define K + 1 tiers, the highest band is tier 0.

    With cut-offs b_1 < ... < b_K, a score x is in band j = #{b_i <= x} (``right=False``: a
    score equal to a cut-off belongs to the **upper** band, e.g. 85 is 一线 for cut-offs
    40/50/65/85) or j = #{b_i < x} (``right=True``: it belongs to the lower band). The tier
    code is K − j, so 0 = best. NaN scores get code −1.

    Parameters
    ----------
    scores : array_like, shape (..., city)
    cutoffs : sequence of float, strictly ascending
    labels : sequence of str, optional
        K + 1 tier names, **best first** (e.g. 一线, 新一线, 二线, 三线, 四线).
    right : bool
        Which band a score equal to a cut-off joins (see above).

    Returns
    -------
    Tiers

    References
    ----------
    METHODS.md §7 (``bands``); H3C/CAICT 中国城市数字经济指数蓝皮书(2021) map legend
    85 / 65-85 / 50-65 / 40-50 / <40.

    Examples
    --------
    >>> t = tier_bands([91.6, 85.0, 40.0, 39.9, np.nan], [40, 50, 65, 85])
    >>> t.codes.tolist()
    [0, 0, 3, 4, -1]
    """
    x = _as_scores(scores)
    try:
        b = np.asarray(cutoffs, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"cut-offs must be numbers; got {cutoffs!r}") from None
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)):
        raise SpecError(f"cut-offs must be a non-empty sequence of finite numbers; got {cutoffs!r}")
    if np.any(np.diff(b) <= 0):
        raise SpecError(f"cut-offs must be strictly ascending, e.g. (40, 50, 65, 85); got {b.tolist()}")
    k = b.size + 1
    labs = _check_labels(labels, k)
    band = np.searchsorted(b, x, side="left" if right else "right")
    codes = np.where(np.isnan(x), -1, (k - 1) - band).astype(np.intp)
    return Tiers(codes, labs)


def tier_quantile(values, k: int, labels: Sequence[str] | None = None, *,
                  values_are_ranks: bool = False, ties: str = "min") -> Tiers:
    """Rank-quantile tiers: tier = ⌈k·rank/M⌉ (1 = best), returned as code ⌈k·rank/M⌉ − 1.

    M is the number of non-missing cities in the row. ``values`` are scores (ranked with
    :func:`rank` and ``ties``, highest = rank 1) unless ``values_are_ranks=True``.

    Parameters
    ----------
    values : array_like, shape (..., city)
    k : int
        Number of tiers.
    labels : sequence of str, optional
        k labels, best first.
    values_are_ranks : bool
        True if ``values`` already are ranks (1 = best).
    ties : str
        Tie method used to rank scores (see :func:`rank`).

    Returns
    -------
    Tiers

    References
    ----------
    METHODS.md §7 (``quantile``).

    Examples
    --------
    >>> tier_quantile([10, 9, 8, 7, 6, 5], 3).codes.tolist()
    [0, 0, 1, 1, 2, 2]
    """
    k = _check_k(k)
    labs = _check_labels(labels, k)
    r = _as_scores(values, "ranks" if values_are_ranks else "scores")
    if not values_are_ranks:
        r = rank(r, ties=ties)
    ok = ~np.isnan(r)
    m = ok.sum(axis=-1, keepdims=True)
    if values_are_ranks and np.any(ok & ((r < 1) | (r > m))):
        raise DataError("ranks must lie in 1..M (M = number of non-missing cities); "
                        "pass scores with values_are_ranks=False instead")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = -np.floor_divide(-(k * np.where(ok, r, 1.0)), np.maximum(m, 1))  # ceil(k r / M)
    codes = np.where(ok, t - 1, -1).astype(np.intp)
    return Tiers(np.clip(codes, -1, k - 1), labs)


def tier_rank_bands(scores, cutoffs: Sequence[int], labels: Sequence[str] | None = None, *,
                    ties: str = "min") -> Tiers:
    """Tiers by rank ranges: ranks 1..c_1 are tier 0, c_1+1..c_2 tier 1, ..., the rest the last tier.

    Unlike :func:`tier_bands` (fixed *score* cut-offs), rank bands keep the tier sizes of a
    published ranking whatever the scale of the scores, so they stay meaningful when the
    normalisation changes (e.g. under uncertainty analysis). H3C 2021's tier sizes
    6/47/71/88/30 are the cut-offs (6, 53, 124, 212).

    Parameters
    ----------
    scores : array_like, shape (..., city)
    cutoffs : strictly ascending positive ints, the last rank of each tier but the last
    labels : K + 1 names, best first
    ties : rank ties rule (default "min": tied cities share the better tier)

    Examples
    --------
    >>> tier_rank_bands([9.0, 7.0, 8.0, 1.0, np.nan], [1, 3]).codes.tolist()
    [0, 1, 1, 2, -1]
    """
    try:
        b = np.asarray(cutoffs, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"rank cut-offs must be numbers; got {cutoffs!r}") from None
    if b.ndim != 1 or b.size == 0 or np.any(b < 1) or np.any(np.diff(b) <= 0) or np.any(b != np.round(b)):
        raise SpecError(f"rank cut-offs must be strictly ascending whole ranks >= 1, e.g. (6, 53, 124, 212); "
                        f"got {cutoffs!r}")
    k = b.size + 1
    labs = _check_labels(labels, k)
    r = rank(_as_scores(scores), ties=ties)
    codes = np.where(np.isnan(r), -1, np.searchsorted(b, np.nan_to_num(r, nan=0.0), side="left"))
    return Tiers(codes.astype(np.intp), labs)


def jenks_breaks(values, k: int) -> np.ndarray:
    """Exact Fisher–Jenks natural breaks: class upper bounds minimising within-class SS.

    Finds the partition of the sorted values into k contiguous classes minimising
    SDCM = Σ_classes Σ_{x in class} (x − mean_class)², by Fisher's (1958) dynamic programme

        D_c(j) = min_{i} D_{c−1}(i − 1) + SS(i..j),

    over the distinct values (weighted by their multiplicity, so equal values always fall in
    the same class), with the inner minimisation vectorised. SS(i..j) comes from prefix sums of
    counts, x and x² (on centred data, for accuracy). NaNs are ignored. Ties between equally
    good partitions go to the one with the earliest class start (as in ``mapclassify``).

    Parameters
    ----------
    values : array_like, 1-D
    k : int
        Number of classes; at most the number of distinct non-missing values.

    Returns
    -------
    numpy.ndarray, shape (k,)
        Upper bound of each class, ascending (the last one is the maximum). A value x is in
        class i if ``breaks[i-1] < x <= breaks[i]``.

    References
    ----------
    Fisher W.D. (1958) JASA 53:789; Jenks G.F. (1977); METHODS.md §7 (``jenks``). Same
    result as ``mapclassify.FisherJenks(values, k).bins`` (tested).

    Examples
    --------
    >>> jenks_breaks([1, 2, 3, 10, 11, 12, 30], 3).tolist()
    [3.0, 12.0, 30.0]
    """
    x = _as_1d(values)
    x = x[~np.isnan(x)]
    u, cnt = np.unique(x, return_counts=True)
    k = _check_k(k, u.size)
    n = u.size
    z = u - x.mean()  # centre for numerically stable sums of squares
    c0 = np.concatenate(([0.0], np.cumsum(cnt, dtype=float)))
    c1 = np.concatenate(([0.0], np.cumsum(cnt * z)))
    c2 = np.concatenate(([0.0], np.cumsum(cnt * z * z)))
    D = np.full((k, n), np.inf)          # D[c, j]: best SS of u[0..j] in c+1 classes
    B = np.zeros((k, n), dtype=np.intp)  # B[c, j]: start index of the last class
    for j in range(n):
        i = np.arange(j + 1)
        w = c0[j + 1] - c0[i]
        s = c1[j + 1] - c1[i]
        ss = np.maximum(c2[j + 1] - c2[i] - s * s / w, 0.0)  # SS of u[i..j], i = 0..j
        D[0, j] = ss[0]
        if k > 1 and j > 0:
            cand = D[:-1, :j] + ss[1:][None, :]  # last class starts at i = 1..j
            best = np.argmin(cand, axis=1)
            D[1:, j] = cand[np.arange(k - 1), best]
            B[1:, j] = best + 1
    breaks = np.empty(k)
    end = n - 1
    for c in range(k - 1, -1, -1):
        breaks[c] = u[end]
        if c > 0:
            end = B[c, end] - 1
    return breaks


def goodness_of_variance_fit(values, breaks) -> float:
    """Goodness of variance fit GVF = 1 − SDCM / SDAM of a classification.

    SDAM = Σ (x − x̄)², SDCM = Σ_classes Σ (x − x̄_class)², with class i holding the values
    ``breaks[i-1] < x <= breaks[i]`` (values above the last break join the last class). NaNs are
    ignored; constant data (SDAM = 0) give NaN.

    Parameters
    ----------
    values : array_like, 1-D
    breaks : array_like, ascending class upper bounds (e.g. from :func:`jenks_breaks`)

    Returns
    -------
    float in [0, 1]

    References
    ----------
    Jenks G.F. (1977); METHODS.md §7.

    Examples
    --------
    >>> round(goodness_of_variance_fit([1, 2, 3, 10, 11, 12], [3, 12]), 4)
    0.9681
    """
    x = _as_1d(values)
    x = x[~np.isnan(x)]
    b = np.asarray(breaks, dtype=float)
    if b.ndim != 1 or b.size == 0 or np.any(np.diff(b) <= 0):
        raise SpecError(f"breaks must be a non-empty ascending sequence; got {breaks!r}")
    if x.size == 0:
        return float("nan")
    cls = np.minimum(np.searchsorted(b, x, side="left"), b.size - 1)
    sdam = float(np.sum((x - x.mean()) ** 2))
    n = np.bincount(cls, minlength=b.size)
    s = np.bincount(cls, weights=x, minlength=b.size)
    means = np.divide(s, n, out=np.zeros_like(s), where=n > 0)
    sdcm = float(np.sum((x - means[cls]) ** 2))
    if sdam == 0.0:
        return float("nan")
    return 1.0 - sdcm / sdam


def _rowwise(x: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Apply a 1-D tiering ``fn`` (non-NaN values -> codes) to every row; NaN -> -1."""
    codes = np.full(x.shape, -1, dtype=np.intp)
    for idx in np.ndindex(x.shape[:-1]):
        row = x[idx]
        ok = ~np.isnan(row)
        codes[idx][ok] = fn(row[ok])
    return codes


def tier_jenks(values, k: int, labels: Sequence[str] | None = None) -> Tiers:
    """Natural-breaks tiers: Fisher–Jenks classes of the scores, the highest class is tier 0.

    Rows of a batched input (..., city) are classified separately (a loop over rows: the
    exact DP is per row).

    Parameters
    ----------
    values : array_like, shape (..., city)
    k : int
    labels : sequence of str, optional (best first)

    Returns
    -------
    Tiers

    References
    ----------
    Fisher (1958); METHODS.md §7 (``jenks``). See :func:`jenks_breaks`.

    Examples
    --------
    >>> tier_jenks([1, 2, 3, 10, 11, 12, 30], 3).codes.tolist()
    [2, 2, 2, 1, 1, 1, 0]
    """
    k = _check_k(k)
    labs = _check_labels(labels, k)
    x = _as_scores(values)

    def one(v: np.ndarray) -> np.ndarray:
        br = jenks_breaks(v, k)
        return (k - 1) - np.minimum(np.searchsorted(br, v, side="left"), k - 1)

    return Tiers(_rowwise(x, one), labs)


def tier_kmeans(values, k: int, seed: int | np.random.Generator = 0,
                labels: Sequence[str] | None = None, *, n_init: int = 10) -> Tiers:
    """1-D k-means tiers (sklearn ``KMeans``), tiers ordered by cluster centre (highest = 0).

    Minimises Σ (x − centre)² like Jenks, but by Lloyd's algorithm with k-means++ starts
    (``n_init`` restarts), so it may return a local optimum; :func:`tier_jenks` is exact.

    Parameters
    ----------
    values : array_like, shape (..., city)
        Rows are clustered separately.
    k : int
    seed : int or numpy.random.Generator
        Seeds sklearn's ``random_state`` (a Generator is used to draw that integer seed).
    labels : sequence of str, optional (best first)
    n_init : int
        Number of k-means restarts.

    Returns
    -------
    Tiers

    References
    ----------
    MacQueen (1967); Lloyd (1982); METHODS.md §7 (``kmeans``).

    Examples
    --------
    >>> tier_kmeans([1, 2, 3, 10, 11, 12, 30], 3).codes.tolist()
    [2, 2, 2, 1, 1, 1, 0]
    """
    from sklearn.cluster import KMeans

    k = _check_k(k)
    labs = _check_labels(labels, k)
    x = _as_scores(values)
    if isinstance(seed, np.random.Generator):
        state = int(seed.integers(2**31 - 1))
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        state = int(seed)
    else:
        raise SpecError(f"seed must be an int or numpy.random.Generator; got {seed!r}")

    def one(v: np.ndarray) -> np.ndarray:
        _check_k(k, np.unique(v).size)
        km = KMeans(n_clusters=k, n_init=n_init, random_state=state).fit(v.reshape(-1, 1))
        order = np.argsort(-km.cluster_centers_[:, 0], kind="stable")  # best centre first
        code_of_cluster = np.empty(k, dtype=np.intp)
        code_of_cluster[order] = np.arange(k)
        return code_of_cluster[km.labels_]

    return Tiers(_rowwise(x, one), labs)


#: Tiering methods by their METHODS.md ``tier_method`` name.
TIER_METHODS: dict[str, Callable[..., Tiers]] = {
    "bands": tier_bands,
    "quantile": tier_quantile,
    "rank_bands": tier_rank_bands,
    "jenks": tier_jenks,
    "kmeans": tier_kmeans,
}


def assign_tiers(scores, method: str, **params) -> Tiers:
    """Assign tiers with a named method from :data:`TIER_METHODS`.

    Parameters
    ----------
    scores : array_like, shape (..., city)
    method : {"bands", "quantile", "jenks", "kmeans"}
    **params
        Passed to the method (``cutoffs``/``labels``/``right`` for bands, ``k`` for the others,
        ``seed`` for kmeans...).

    Returns
    -------
    Tiers

    References
    ----------
    METHODS.md §7 (``tier_method``).

    Examples
    --------
    >>> assign_tiers([90, 70, 55, 45, 30], "bands", cutoffs=[40, 50, 65, 85]).codes.tolist()
    [0, 1, 2, 3, 4]
    """
    import inspect

    try:
        fn = TIER_METHODS[method]
    except (KeyError, TypeError):
        raise unknown_name("tiering method", method, TIER_METHODS) from None
    sig = inspect.signature(fn)
    names = list(sig.parameters)[1:]
    bad = sorted(set(params) - set(names))
    if bad:
        raise SpecError(f"tiering method {method!r} has no parameter(s) {', '.join(bad)}; "
                        f"its parameters are: {', '.join(names)}")
    missing = [p for p in names if sig.parameters[p].default is inspect.Parameter.empty
               and p not in params]
    if missing:
        raise SpecError(f"tiering method {method!r} needs parameter(s) {', '.join(missing)}")
    return fn(scores, **params)
