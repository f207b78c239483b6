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

__all__ = ["RankAccumulator", "ChunkStats", "rank_shift_per_scenario", "spearman_per_scenario", "QUANTILES"]

#: Quantiles reported per city.
QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


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
    ``ranks`` computed with ``ties`` "min" or "max" are reused for complete rows without ties
    (their rank sum is then exactly M(M+1)/2, where average ranks equal them), saving a sort.
    """
    S = np.atleast_2d(np.asarray(scores, dtype=float))
    nominal_scores = np.asarray(nominal_scores, dtype=float)
    ok = ~np.isnan(S) & ~np.isnan(nominal_scores)[None, :]
    out = np.full(S.shape[0], np.nan)
    full = ok.all(axis=1)
    part = ~full
    M = S.shape[1]
    nominal_avg = rk.rank(nominal_scores, ties="average") if full.any() else None
    if ranks is not None and ties in ("min", "max") and full.any():
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


class RankAccumulator:
    """Online rank statistics per city (memory O(cities x 2 cities), not O(runs)).

    Parameters
    ----------
    nominal_rank, nominal_score : arrays (M,)
        The reference build's ranks and index scores.
    n_tiers : int
        Number of tiers (0: no tier statistics). Tier codes are 0 = best, -1 = missing.
    nominal_tier : array (M,), optional
    top_k : sequence of int
        Report P(rank <= k) for each k.
    """

    #: Histogram cells per block when computing quantiles (bounds the temporary memory, 32 MB).
    block_cells = 2**22

    def __init__(self, nominal_rank, nominal_score, *, n_tiers: int = 0, nominal_tier=None,
                 top_k: Sequence[int] = (10,), ties: str | None = None):
        self.ties = ties
        self.nominal_rank = np.asarray(nominal_rank, dtype=float)
        self.nominal_score = np.asarray(nominal_score, dtype=float)
        M = self.nominal_rank.size
        self.M = M
        self.top_k = tuple(int(k) for k in top_k)
        self.n_tiers = int(n_tiers)
        self.nominal_tier = None if nominal_tier is None else np.asarray(nominal_tier)
        self.hist = np.zeros((M, 2 * M), dtype=np.int32)  # bins of 1/2: rank r -> 2r - 2
        self._shift = np.where(np.isfinite(self.nominal_score), self.nominal_score, 0.0)
        self._bin_offset = np.arange(M, dtype=np.int64) * (2 * M) - 2
        self.count = np.zeros(M, dtype=np.int64)
        self.sum = np.zeros(M)
        self.sumsq = np.zeros(M)
        self.score_sum = np.zeros(M)
        self.score_sumsq = np.zeros(M)
        self.score_count = np.zeros(M, dtype=np.int64)
        self.topk = np.zeros((len(self.top_k), M), dtype=np.int64)
        self.tiers = np.zeros((M, max(self.n_tiers, 1)), dtype=np.int64)
        self.tier_changed = np.zeros(M, dtype=np.int64)
        self.rs: list[np.ndarray] = []
        self.rho: list[np.ndarray] = []

    def update(self, scores: np.ndarray, ranks: np.ndarray, tiers: np.ndarray | None = None) -> None:
        """Add a chunk of scenarios: scores and ranks of shape (S, M), tier codes (S, M)."""
        scores = np.atleast_2d(scores)
        ranks = np.atleast_2d(ranks)
        ok = ~np.isnan(ranks)
        complete = bool(ok.all())
        r0 = ranks if complete else np.where(ok, ranks, 0.0)
        self.count += ok.sum(axis=0) if not complete else ranks.shape[0]
        self.sum += r0.sum(axis=0)
        self.sumsq += np.einsum("sc,sc->c", r0, r0)
        # half-rank bins: rank r of city c -> flat bin c * 2M + 2r - 2 (ranks are whole or half)
        flat = (2.0 * r0).astype(np.int64)
        flat += self._bin_offset
        idx = flat.ravel() if complete else flat[ok]
        # an int32 array of ones keeps ufunc.at on its fast path (a Python 1 would be cast per item)
        np.add.at(self.hist.reshape(-1), idx, np.ones(idx.size, dtype=np.int32))
        sok = ~np.isnan(scores)
        s0 = np.where(sok, scores - self._shift, 0.0)  # shifted by the nominal: stable variance
        self.score_count += sok.sum(axis=0)
        self.score_sum += s0.sum(axis=0)
        self.score_sumsq += np.einsum("sc,sc->c", s0, s0)
        for i, k in enumerate(self.top_k):
            self.topk[i] += ((r0 <= k) & ok).sum(axis=0)
        if tiers is not None and self.n_tiers:
            t = np.atleast_2d(tiers)
            valid = t >= 0
            nt = self.tiers.shape[1]
            city = np.broadcast_to(np.arange(self.M), t.shape)
            np.add.at(self.tiers.reshape(-1), (city * nt + t)[valid], 1)
            if self.nominal_tier is not None:
                self.tier_changed += (valid & (t != self.nominal_tier[None, :])).sum(axis=0)
        self.rs.append(rank_shift_per_scenario(ranks, self.nominal_rank))
        self.rho.append(spearman_per_scenario(scores, self.nominal_score, ranks=ranks, ties=self.ties))

    def merge(self, other: RankAccumulator) -> None:
        """Add the counts and sums of ``other`` (a chunk's accumulator built with the same settings).

        Merging a fresh accumulator that saw one chunk gives bitwise the same state as calling
        :meth:`update` with that chunk here (0 + x = x), so partial statistics computed on dask
        workers and merged in order equal the in-memory run.
        """
        if other.M != self.M or other.top_k != self.top_k or other.tiers.shape != self.tiers.shape:
            raise ValueError("cannot merge rank accumulators of different cities, top-k or tiers")
        for name in ("count", "sum", "sumsq", "hist", "score_sum", "score_sumsq", "score_count", "topk",
                     "tiers", "tier_changed"):
            getattr(self, name).__iadd__(getattr(other, name))
        self.rs.extend(other.rs)
        self.rho.extend(other.rho)

    def quantiles(self) -> dict[str, np.ndarray]:
        """Exact type-7 quantiles of each city's ranks from the half-rank histogram.

        The k-th order statistic (0-based) of city c lies in the first bin whose cumulative count
        exceeds k. Offsetting each city's cumulative counts by ``c * (n + 1)`` makes a block of
        cities one ascending sequence, searched once for all of them (blocks bound the memory).
        """
        nb = 2 * self.M
        values = (np.arange(nb) + 2) / 2.0
        big = int(self.count.max(initial=0)) + 1
        h = {name: (self.count - 1) * p for name, p in QUANTILES.items()}
        lo = {name: np.floor(v).astype(np.int64) for name, v in h.items()}
        stats = {name: np.empty((2, self.M)) for name in QUANTILES}
        step = max(1, self.block_cells // nb)
        for a in range(0, self.M, step):
            b = min(a + step, self.M)
            off = np.arange(b - a, dtype=np.int64) * big
            cum = np.cumsum(self.hist[a:b], axis=1, dtype=np.int64)
            cum += off[:, None]
            flat = cum.reshape(-1)
            base = np.arange(b - a) * nb
            last = np.maximum(self.count[a:b] - 1, 0)
            for name in QUANTILES:
                for i, k in enumerate((lo[name][a:b], np.minimum(lo[name][a:b] + 1, last))):
                    pos = np.searchsorted(flat, off + k, side="right") - base
                    stats[name][i, a:b] = values[np.clip(pos, 0, nb - 1)]
        out = {}
        for name in QUANTILES:
            x_lo, x_hi = stats[name]
            q = x_lo + (h[name] - lo[name]) * (x_hi - x_lo)
            out[name] = np.where(self.count > 0, q, np.nan)
        return out

    def result(self, cities: Sequence[str], tier_labels: Sequence[str] | None = None) -> xr.Dataset:
        """The statistics as a Dataset with dims ``city`` (and ``tier``, ``scenario``)."""
        n = np.where(self.count > 0, self.count, np.nan)
        mean = self.sum / n
        var = np.maximum(self.sumsq / n - mean ** 2, 0.0) * np.where(self.count > 1, n / (n - 1), np.nan)
        q = self.quantiles()
        sn = np.where(self.score_count > 0, self.score_count, np.nan)
        dmean = self.score_sum / sn  # mean deviation from the nominal score
        smean = self._shift + dmean
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
                "score_sd": ("city", np.sqrt(np.maximum(self.score_sumsq / sn - dmean ** 2, 0) * sn / np.maximum(sn - 1, 1))),
                "n_valid": ("city", self.count),
                "R_S": ("scenario", np.concatenate(self.rs) if self.rs else np.zeros(0)),
                "spearman": ("scenario", np.concatenate(self.rho) if self.rho else np.zeros(0)),
            },
            coords={"city": np.asarray(cities, dtype=object)},
        )
        for i, k in enumerate(self.top_k):
            ds[f"p_top{k}"] = ("city", self.topk[i] / n)
        if self.n_tiers:
            tot = self.tiers.sum(axis=1, keepdims=True)
            ds["tier_prob"] = (("city", "tier"), self.tiers / np.where(tot > 0, tot, np.nan))
            labels = list(tier_labels) if tier_labels is not None else [str(t) for t in range(self.n_tiers)]
            ds = ds.assign_coords(tier=np.asarray(labels, dtype=object))
            if self.nominal_tier is not None:
                ds["p_tier_change"] = ("city", self.tier_changed / np.where(tot[:, 0] > 0, tot[:, 0], np.nan))
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

    def new(self) -> RankAccumulator:
        """An empty accumulator with these settings."""
        return RankAccumulator(self.nominal_rank, self.nominal_score, n_tiers=self.n_tiers,
                               nominal_tier=self.nominal_tier, top_k=self.top_k, ties=self.ties)

    def __call__(self, chunk: tuple) -> tuple:
        S, R, T, reasons = chunk
        acc = self.new()
        acc.update(S, R, T if self.n_tiers else None)
        return acc, reasons
