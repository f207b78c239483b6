"""Rank statistics over scenarios, accumulated online so memory does not grow with runs.

Per city: nominal rank, mean and standard deviation of the rank, median, 5th/95th
percentiles and interquartile range (type-7 quantiles, numpy's ``linear``, as COINr's
``RankStats``), the probability of each tier, of being in the top k and of leaving the
nominal tier. Per scenario: the average absolute rank shift (Handbook eq. 38)

.. math:: R_S = \\frac{1}{M} \\sum_c |\\mathrm{rank}_{ref}(c) - \\mathrm{rank}_S(c)|

and the Spearman correlation of the scenario's scores with the nominal ones.

Ranks are integers or half-integers (ties ``average``), so a histogram with bins of 1/2
per city gives *exact* quantiles; :class:`RankAccumulator` keeps those counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..methods import rank as rk

__all__ = ["RankAccumulator", "ChunkStats", "SortedChunk", "chunk_reasons", "scatter_count",
           "rank_shift_per_scenario", "spearman_per_scenario", "QUANTILES"]

#: Quantiles reported per city.
QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


#: Ties rules whose ranks sum to M(M+1)/2 only when there are no ties.
_SUM_TIES = ("min", "max", "dense")


def rank_shift_per_scenario(ranks: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    """R_S of each scenario row: mean over cities of |nominal rank - rank| (NaN-ignoring)."""
    return np.asarray(rk.mean_abs_rank_shift(ranks, nominal), dtype=float)


def _pearson_rows(a: np.ndarray, b: np.ndarray, ok: np.ndarray) -> np.ndarray:
    n = ok.sum(axis=1)
    cnt = np.maximum(n, 1)[:, None]
    am = np.where(ok, a, 0.0).sum(axis=1, keepdims=True) / cnt
    bm = np.where(ok, b, 0.0).sum(axis=1, keepdims=True) / cnt
    da, db = np.where(ok, a - am, 0.0), np.where(ok, b - bm, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (da * db).sum(axis=1) / np.sqrt((da ** 2).sum(axis=1) * (db ** 2).sum(axis=1))
    return np.where(n >= 3, r, np.nan)


def spearman_per_scenario(scores: np.ndarray, nominal_scores: np.ndarray, *,
                          ranks: np.ndarray | None = None, ties: str | None = None) -> np.ndarray:
    """Spearman correlation of each scenario's scores (S, M) with the nominal scores (M,).

    Pearson correlation of average-tie ranks; cities with a missing score in a scenario are
    left out of that scenario's correlation (both rankings are then recomputed without them).
    ``ranks`` computed with ``ties`` "min", "max" or "dense" are reused for complete rows
    without ties (their rank sum is then exactly M(M+1)/2, where average ranks equal them),
    saving a sort.
    """
    S = np.atleast_2d(np.asarray(scores, dtype=float))
    nominal_scores = np.asarray(nominal_scores, dtype=float)
    ok = ~np.isnan(S) & ~np.isnan(nominal_scores)[None, :]
    out = np.full(S.shape[0], np.nan)
    full = ok.all(axis=1)
    part = ~full
    M = S.shape[1]
    nominal_avg = rk.rank(nominal_scores, ties="average") if full.any() else None
    if ranks is not None and ties in _SUM_TIES and full.any():
        R = np.atleast_2d(ranks)
        free = full & (R.sum(axis=1) == M * (M + 1) / 2)
        if free.any():
            a = R[free]
            if np.array_equal(np.sort(nominal_avg), np.arange(1.0, M + 1.0)):
                # both rankings are permutations of 1..M: rho = 1 - 6 sum d^2 / (M (M^2 - 1))
                dev = a - nominal_avg
                out[free] = 1.0 - 6.0 * np.einsum("sc,sc->s", dev, dev) / (M * (M * M - 1.0)) if M > 2 else np.nan
            else:
                out[free] = _pearson_rows(a, np.broadcast_to(nominal_avg, a.shape), np.ones(a.shape, dtype=bool))
            full = full & ~free
    if full.any():  # common case: the nominal ranking is computed once
        a = rk.rank(S[full], ties="average")
        out[full] = _pearson_rows(a, np.broadcast_to(nominal_avg, a.shape), np.ones(a.shape, dtype=bool))
    if part.any():
        okp = ok[part]
        a = rk.rank(np.where(okp, S[part], np.nan), ties="average")
        b = rk.rank(np.where(okp, np.broadcast_to(nominal_scores, okp.shape), np.nan), ties="average")
        out[part] = _pearson_rows(a, b, okp)
    return out


try:  # the C++ loop behind scipy.sparse's COO -> dense conversion: B[i, j] += x, no zeroing
    from scipy.sparse._sparsetools import coo_todense as _coo_todense
except ImportError:  # pragma: no cover - private scipy API; np.add.at gives the same counts
    _coo_todense = None

_ONES = np.ones(0, dtype=np.int32)


def scatter_count(hist: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> None:
    """``hist[rows[i], cols[i]] += 1`` for every i, repeated pairs counted (in place).

    ``hist`` is a C-contiguous int32 matrix; ``rows`` and ``cols`` are int64 arrays of equal
    size. Uses scipy's COO-to-dense loop (about twice as fast as ``np.add.at`` on the rank
    histogram), or ``np.add.at`` where that private scipy function is unavailable.
    """
    global _ONES
    n = rows.size
    if _ONES.size < n:
        _ONES = np.ones(n, dtype=np.int32)
    flat = hist.reshape(-1)
    if _coo_todense is not None and hist.flags.c_contiguous and hist.dtype == np.int32:
        _coo_todense(hist.shape[0], hist.shape[1], n, np.ascontiguousarray(rows, dtype=np.int64),
                     np.ascontiguousarray(cols, dtype=np.int64), _ONES[:n], flat, 0)
    else:
        np.add.at(flat, rows * hist.shape[1] + cols, _ONES[:n])


@dataclass
class SortedChunk:
    """A chunk of evaluated scenarios in compact form, for the streamed statistics.

    Each entry of ``parts`` is (rows, order, scores, linear) for rows of the chunk with no
    near-ties and only finite scores: their cities in ascending score order (``order``, so the
    city at position p has rank M - p), their scores and, when the scores are a linear form
    ``coef @ N.T``, (coef, N) (else None), from which the score moments are computed directly.
    Every other row (``dense_rows``: near-ties, failures) has full scores, ranks and tier codes.
    ``keep="stats"`` runs of the vectorised engine produce these; they never materialise a
    (scenario, city) rank matrix.
    """

    n: int
    reasons: np.ndarray
    parts: tuple
    dense_rows: np.ndarray
    S: np.ndarray
    R: np.ndarray
    T: np.ndarray | None


class RankAccumulator:
    """Online rank statistics per city (memory O(cities^2), not O(runs)).

    Every per-city rank statistic (count, mean, sd, quantiles, P(top k), rank-band tiers) is a
    function of the city's rank histogram, so the histogram is the only per-city rank state:
    whole ranks in ``hist`` (city, rank - 1) and, only once a half rank (ties ``average``)
    occurs, half ranks r + 1/2 in ``half`` (city, r - 1). Sums of integers and half-integers
    are exact in float64, so statistics from the histogram equal those of direct sums bit for
    bit.

    Parameters
    ----------
    nominal_rank, nominal_score : arrays (M,)
        The reference build's ranks and index scores.
    n_tiers : int
        Number of tiers (0: no tier statistics). Tier codes are 0 = best, -1 = missing.
    nominal_tier : array (M,), optional
    top_k : sequence of int
        Report P(rank <= k) for each k.
    ties : str, optional
        The scenarios' ties rule (lets Spearman reuse "min", "max" or "dense" ranks).
    rank_cutoffs : sequence of float, optional
        Tiers are rank bands with these cut-offs (``tier_rank_bands``): tier statistics then
        come from the histogram and the tier codes passed to :meth:`update` are not needed.
    """

    #: Histogram cells per block when computing quantiles (bounds the temporary memory, 32 MB).
    block_cells = 2**22

    def __init__(self, nominal_rank, nominal_score, *, n_tiers: int = 0, nominal_tier=None,
                 top_k: Sequence[int] = (10,), ties: str | None = None, rank_cutoffs=None):
        self.ties = ties
        self.nominal_rank = np.asarray(nominal_rank, dtype=float)
        self.nominal_score = np.asarray(nominal_score, dtype=float)
        M = self.nominal_rank.size
        self.M = M
        self.top_k = tuple(int(k) for k in top_k)
        self.n_tiers = int(n_tiers)
        self.nominal_tier = None if nominal_tier is None else np.asarray(nominal_tier)
        self.rank_cutoffs = None if rank_cutoffs is None else np.asarray(rank_cutoffs, dtype=float)
        self.hist = np.zeros((M, M), dtype=np.int32)
        self.half: np.ndarray | None = None
        # score moments per city: count, mean and sum of squared deviations (merged with Chan et
        # al.'s pairwise update, stable however far the scenarios' scores are from the nominal)
        self.score_count = np.zeros(M, dtype=np.int64)
        self.score_mean = np.zeros(M)
        self.score_m2 = np.zeros(M)
        self.tiers = np.zeros((M, max(self.n_tiers, 1)), dtype=np.int64)
        self.tier_changed = np.zeros(M, dtype=np.int64)
        self.rs: list[np.ndarray] = []
        self.rho: list[np.ndarray] = []
        # sorted rows: R_S and Spearman from the order directly when the nominal ranking is a
        # permutation of 1..M (then it equals its own average ranks and d^2 is exact)
        self._rank_cols: np.ndarray | None = None  # rank - 1 of each position, position-major
        self._perm = bool(np.array_equal(np.sort(self.nominal_rank), np.arange(1.0, M + 1.0)))

    # ---------------------------------------------------------------- updates
    def update(self, scores: np.ndarray, ranks: np.ndarray, tiers: np.ndarray | None = None) -> None:
        """Add a chunk of scenarios: scores and ranks of shape (S, M), tier codes (S, M)."""
        self._open_scores()
        rs, rho = self._update_dense(np.atleast_2d(scores), np.atleast_2d(ranks), tiers)
        self._close_scores()
        self.rs.append(rs)
        self.rho.append(rho)

    def add(self, chunk) -> None:
        """Add an evaluated chunk: a :class:`SortedChunk` or a tuple (scores, ranks, tiers, reasons)."""
        if not isinstance(chunk, SortedChunk):
            S, R, T = chunk[:3]
            self.update(S, R, T if self.n_tiers else None)
            return
        rs = np.empty(chunk.n)
        rho = np.empty(chunk.n)
        self._open_scores()
        if chunk.dense_rows.size:
            T = chunk.T if self.n_tiers else None
            rs[chunk.dense_rows], rho[chunk.dense_rows] = self._update_dense(chunk.S, chunk.R, T)
        for rows, order, scores, linear in chunk.parts:
            rs[rows], rho[rows] = self._update_sorted(order, scores, linear)
        self._close_scores()
        self.rs.append(rs)
        self.rho.append(rho)

    @staticmethod
    def _merge_moments(a: tuple, b: tuple) -> tuple:
        """Chan, Golub & LeVeque's pairwise update of (count, mean, M2) per city.

        With n = n_a + n_b and d = mean_b - mean_a: mean = mean_a + d n_b / n and
        M2 = M2_a + M2_b + d^2 n_a n_b / n. Merging into an empty state returns the other
        state bit for bit (0 + d * 1.0, M2_b + 0), so partial states merged on a dask client
        equal the in-memory run.
        """
        na, ma, qa = a
        nb, mb, qb = b
        n = na + nb
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(n > 0, nb / np.maximum(n, 1), 0.0)
            d = mb - ma
            mean = np.where(nb > 0, ma + d * frac, ma)
            m2 = np.where(nb > 0, qa + qb + d * d * (na * frac), qa)
        return n, mean, m2

    def _open_scores(self) -> None:
        """Start a chunk: its parts' score moments are merged first and into the run's once, so
        a chunk contributes the same however its rows were grouped, in memory or on a dask
        worker (whose accumulator is merged)."""
        self._chunk_scores = (np.zeros(self.M, dtype=np.int64), np.zeros(self.M), np.zeros(self.M))

    def _close_scores(self) -> None:
        self.score_count, self.score_mean, self.score_m2 = self._merge_moments(
            (self.score_count, self.score_mean, self.score_m2), self._chunk_scores)

    def _add_scores(self, scores: np.ndarray, finite: bool = False) -> None:
        if finite:  # known to have no NaN (sorted rows)
            count = np.full(self.M, scores.shape[0], dtype=np.int64)
            mean = scores.mean(axis=0)
            dev = scores - mean
        else:
            sok = ~np.isnan(scores)
            count = sok.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(count > 0, np.where(sok, scores, 0.0).sum(axis=0) / np.maximum(count, 1), 0.0)
            dev = np.where(sok, scores - mean, 0.0)
        self._chunk_scores = self._merge_moments(self._chunk_scores,
                                                 (count, mean, np.einsum("sc,sc->c", dev, dev)))

    def _update_dense(self, scores, ranks, tiers) -> tuple[np.ndarray, np.ndarray]:
        S, M = ranks.shape
        # city-major: each city's updates land in one row of the histogram (cache friendly)
        rT = np.ascontiguousarray(ranks.T)
        ok = ~np.isnan(rT)
        complete = bool(ok.all())
        r2 = (2.0 * (rT if complete else np.where(ok, rT, 0.0))).astype(np.int64)
        city = np.repeat(np.arange(M, dtype=np.int64), S)
        col = (r2 >> 1) - 1
        half = (r2 & 1).astype(bool)
        whole = ok & ~half
        if complete and not half.any():
            scatter_count(self.hist, city, col.ravel())
        else:
            w = whole.ravel()
            scatter_count(self.hist, city[w], col.ravel()[w])
            if half.any():
                if self.half is None:
                    self.half = np.zeros((M, M), dtype=np.int32)
                h = (half & ok).ravel()
                scatter_count(self.half, city[h], col.ravel()[h])
        self._add_scores(scores)
        if tiers is not None and self.n_tiers and self.rank_cutoffs is None:
            t = np.atleast_2d(tiers)
            valid = t >= 0
            nt = self.tiers.shape[1]
            city2 = np.broadcast_to(np.arange(self.M), t.shape)
            np.add.at(self.tiers.reshape(-1), (city2 * nt + t)[valid], 1)
            if self.nominal_tier is not None:
                self.tier_changed += (valid & (t != self.nominal_tier[None, :])).sum(axis=0)
        return (rank_shift_per_scenario(ranks, self.nominal_rank),
                spearman_per_scenario(scores, self.nominal_score, ranks=ranks, ties=self.ties))

    def _add_linear_scores(self, coef: np.ndarray, N: np.ndarray) -> None:
        """Score moments of scores = coef @ N.T (S, M) without forming them.

        With the mean coefficients a and D = coef - a, score = a n_c + D n_c, so the mean is
        a n_c + (sum D) n_c / S and M2 = n_c' (D'D) n_c - ((sum D) n_c)^2 / S: O(M I^2)
        instead of O(S M).
        """
        S = coef.shape[0]
        if not S:
            return
        a = coef.mean(axis=0)
        D = coef - a
        dsum = N @ D.sum(axis=0)  # zero up to rounding
        m2 = np.einsum("ci,ci->c", N @ (D.T @ D), N) - dsum * dsum / S
        part = (np.full(self.M, S, dtype=np.int64), N @ a + dsum / S, np.maximum(m2, 0.0))
        self._chunk_scores = self._merge_moments(self._chunk_scores, part)

    def _update_sorted(self, order: np.ndarray, scores: np.ndarray, linear=None) -> tuple[np.ndarray, np.ndarray]:
        """Rows given by their ascending city order (no ties, finite scores): rank = M - position."""
        S, M = order.shape
        # position-major: the cities at one position across scenarios are few and nearby
        if self._rank_cols is None or self._rank_cols.size != S * M:
            self._rank_cols = np.repeat(np.arange(M - 1, -1, -1, dtype=np.int64), S)
        scatter_count(self.hist, np.ascontiguousarray(order.T).reshape(-1), self._rank_cols)
        if linear is None:
            self._add_scores(scores, finite=True)
        else:
            self._add_linear_scores(*linear)
        if not self._perm or self.ties not in _SUM_TIES:
            # the dense path's arithmetic, so both forms give bitwise the same statistics
            ranks = np.empty((S, M))
            np.put(ranks, order + (np.arange(S) * M)[:, None], np.arange(float(M), 0.0, -1.0))
            return (rank_shift_per_scenario(ranks, self.nominal_rank),
                    spearman_per_scenario(scores, self.nominal_score, ranks=ranks, ties=self.ties))
        dev = np.take(self.nominal_rank, order)
        dev -= np.arange(float(M), 0.0, -1.0)  # nominal - scenario rank, exact integers
        rho = (1.0 - 6.0 * np.einsum("sc,sc->s", dev, dev) / (M * (M * M - 1.0)) if M > 2
               else np.full(S, np.nan))
        np.abs(dev, out=dev)
        return dev.sum(axis=1) / M, rho

    def merge(self, other: RankAccumulator) -> None:
        """Add the counts and sums of ``other`` (a chunk's accumulator built with the same settings).

        Merging a fresh accumulator that saw one chunk gives bitwise the same state as calling
        :meth:`update` with that chunk here (0 + x = x), so partial statistics computed on dask
        workers and merged in order equal the in-memory run.
        """
        if other.M != self.M or other.top_k != self.top_k or other.tiers.shape != self.tiers.shape:
            raise ValueError("cannot merge rank accumulators of different cities, top-k or tiers")
        for name in ("hist", "tiers", "tier_changed"):
            getattr(self, name).__iadd__(getattr(other, name))
        self.score_count, self.score_mean, self.score_m2 = self._merge_moments(
            (self.score_count, self.score_mean, self.score_m2),
            (other.score_count, other.score_mean, other.score_m2))
        if other.half is not None:
            if self.half is None:
                self.half = np.zeros_like(other.half)
            self.half += other.half
        self.rs.extend(other.rs)
        self.rho.extend(other.rho)

    # ---------------------------------------------------------------- statistics
    def _binned(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Counts of cities a..b-1 and the rank value of each bin (half ranks interleaved)."""
        if self.half is None:
            return self.hist[a:b], np.arange(1.0, self.M + 1.0)
        out = np.empty((b - a, 2 * self.M), dtype=np.int32)
        out[:, 0::2], out[:, 1::2] = self.hist[a:b], self.half[a:b]
        return out, (np.arange(2 * self.M) + 2) / 2.0

    def _summaries(self) -> dict[str, np.ndarray]:
        """Per city, from the histogram in one blocked pass: count, sum and sum of squares of the
        ranks, P(rank <= k) counts, tier counts, tier changes and the type-7 quantiles.

        The k-th order statistic (0-based) of city c lies in the first bin whose cumulative count
        exceeds k. Offsetting each city's cumulative counts by ``c * (n + 1)`` makes a block of
        cities one ascending sequence, searched once for all of them (blocks bound the memory).
        """
        M = self.M
        nb = 2 * M if self.half is not None else M
        out = {"count": np.zeros(M, dtype=np.int64), "sum": np.zeros(M), "sumsq": np.zeros(M),
               "topk": np.zeros((len(self.top_k), M), dtype=np.int64)}
        quant = {name: np.empty((2, M)) for name in QUANTILES}
        tiers = None
        if self.rank_cutoffs is not None and self.n_tiers:
            tiers = np.zeros((M, self.tiers.shape[1]), dtype=np.int64)
        step = max(1, self.block_cells // nb)
        for a in range(0, M, step):
            b = min(a + step, M)
            h, v = self._binned(a, b)
            hf = h.astype(float)
            out["sum"][a:b] = hf @ v  # integer and half-integer sums: exact
            out["sumsq"][a:b] = hf @ (v * v)
            del hf
            cum = h.astype(np.int64)
            np.cumsum(cum, axis=1, out=cum)  # in place on int64: ~3x faster than casting cumsum
            count = cum[:, -1].copy()
            out["count"][a:b] = count
            for i, k in enumerate(self.top_k):
                j = int(np.searchsorted(v, k, side="right"))  # bins with value <= k
                out["topk"][i, a:b] = cum[:, j - 1] if j else 0
            if tiers is not None:
                edges = np.searchsorted(v, self.rank_cutoffs, side="right")  # last bin of each tier
                below = np.where(edges > 0, cum[:, np.maximum(edges - 1, 0)], 0)  # ranks <= cut-off
                at = np.concatenate([np.zeros((b - a, 1), dtype=np.int64), below, count[:, None]], axis=1)
                tiers[a:b] = np.diff(at, axis=1)
            off = np.arange(b - a, dtype=np.int64) * (int(count.max(initial=0)) + 1)
            cum += off[:, None]
            flat = cum.reshape(-1)
            base = np.arange(b - a) * nb
            last = np.maximum(count - 1, 0)
            for name, p in QUANTILES.items():
                lo = np.floor((count - 1) * p).astype(np.int64)
                for i, k in enumerate((lo, np.minimum(lo + 1, last))):
                    pos = np.searchsorted(flat, off + k, side="right") - base
                    quant[name][i, a:b] = v[np.clip(pos, 0, nb - 1)]
        count = out["count"]
        for name, p in QUANTILES.items():
            h = (count - 1) * p
            x_lo, x_hi = quant[name]
            out[name] = np.where(count > 0, x_lo + (h - np.floor(h)) * (x_hi - x_lo), np.nan)
        if tiers is None:
            out["tiers"], out["tier_changed"] = self.tiers, self.tier_changed
        else:
            out["tiers"] = tiers
            changed = count.copy()
            if self.nominal_tier is not None:
                nt = self.nominal_tier
                ok = nt >= 0
                changed[ok] -= tiers[np.flatnonzero(ok), nt[ok]]
            out["tier_changed"] = changed
        return out

    def quantiles(self) -> dict[str, np.ndarray]:
        """Exact type-7 quantiles of each city's ranks (see :meth:`_summaries`)."""
        out = self._summaries()
        return {name: out[name] for name in QUANTILES}

    def result(self, cities: Sequence[str], tier_labels: Sequence[str] | None = None) -> xr.Dataset:
        """The statistics as a Dataset with dims ``city`` (and ``tier``, ``scenario``)."""
        mom = q = self._summaries()
        count = mom["count"]
        n = np.where(count > 0, count, np.nan)
        mean = mom["sum"] / n
        var = np.maximum(mom["sumsq"] / n - mean ** 2, 0.0) * np.where(count > 1, n / (n - 1), np.nan)
        sn = np.where(self.score_count > 0, self.score_count, np.nan)
        smean = np.where(self.score_count > 0, self.score_mean, np.nan)
        ds = xr.Dataset(
            {
                "nominal": ("city", self.nominal_rank),
                "mean": ("city", mean),
                "sd": ("city", np.sqrt(var)),
                "median": ("city", q["median"]),
                "q05": ("city", q["q05"]),
                "q95": ("city", q["q95"]),
                "iqr": ("city", q["q75"] - q["q25"]),
                "score_mean": ("city", smean),
                "score_sd": ("city", np.sqrt(self.score_m2 / np.maximum(sn - 1, 1))),
                "n_valid": ("city", count),
                "R_S": ("scenario", np.concatenate(self.rs) if self.rs else np.zeros(0)),
                "spearman": ("scenario", np.concatenate(self.rho) if self.rho else np.zeros(0)),
            },
            coords={"city": np.asarray(cities, dtype=object)},
        )
        for i, k in enumerate(self.top_k):
            ds[f"p_top{k}"] = ("city", mom["topk"][i] / n)
        if self.n_tiers:
            tiers = mom["tiers"]
            tot = tiers.sum(axis=1, keepdims=True)
            ds["tier_prob"] = (("city", "tier"), tiers / np.where(tot > 0, tot, np.nan))
            labels = list(tier_labels) if tier_labels is not None else [str(t) for t in range(self.n_tiers)]
            ds = ds.assign_coords(tier=np.asarray(labels, dtype=object))
            if self.nominal_tier is not None:
                ds["p_tier_change"] = ("city", mom["tier_changed"] / np.where(tot[:, 0] > 0, tot[:, 0], np.nan))
                ds["nominal_tier"] = ("city", np.asarray(labels + [""], dtype=object)[self.nominal_tier])
        ds["mean"].attrs["description"] = "mean rank over scenarios (1 = best)"
        ds["R_S"].attrs["description"] = "mean absolute rank shift vs nominal per scenario (Handbook eq. 38)"
        return ds


@dataclass(frozen=True)
class ChunkStats:
    """Turns an evaluated chunk into (its RankAccumulator, failure reasons), e.g. on a dask worker.

    Workers then send back counts and sums (O(cities^2) for the rank histogram) instead of the
    chunk's (scenario, city) arrays; :meth:`RankAccumulator.merge` folds them in order.
    """

    nominal_rank: np.ndarray
    nominal_score: np.ndarray
    n_tiers: int
    nominal_tier: np.ndarray | None
    top_k: tuple
    ties: str | None
    rank_cutoffs: tuple | None = None

    def new(self) -> RankAccumulator:
        """An empty accumulator with these settings."""
        return RankAccumulator(self.nominal_rank, self.nominal_score, n_tiers=self.n_tiers,
                               nominal_tier=self.nominal_tier, top_k=self.top_k, ties=self.ties,
                               rank_cutoffs=self.rank_cutoffs)

    def __call__(self, chunk) -> tuple:
        acc = self.new()
        acc.add(chunk)
        return acc, chunk_reasons(chunk)


def chunk_reasons(chunk) -> np.ndarray:
    """Failure reasons (one per scenario, "" = success) of an evaluated chunk of either form."""
    return chunk.reasons if isinstance(chunk, SortedChunk) else chunk[3]
