"""Streamed rank statistics from sort orders: packed-key sorting, near-tie flags, histogram scatter.

``keep="stats"`` runs of the vectorised engine hand tie-free scenarios to the accumulator as
sort orders (:class:`SortedChunk`), never as rank matrices. These tests pin each step to a
plain numpy reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import citymodel.uncertainty.stats as stats_mod
import citymodel.uncertainty.vectorized as vec_mod
from citymodel.methods import rank as rk
from citymodel.uncertainty.stats import RankAccumulator, SortedChunk, scatter_count
from citymodel.uncertainty.vectorized import _fast_order, sort_rows

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 40)), elements=finite))
def test_packed_key_sort_orders_rows_like_numpy_sort_up_to_key_resolution(x):
    order = sort_rows(x)
    assert all(sorted(row) == list(range(x.shape[1])) for row in order.tolist())  # permutations
    got, want = np.take_along_axis(x, order, axis=1), np.sort(x, axis=1)
    # cities whose keys collide (relative gap < 2^(b - 52)) may swap, and only those
    b = int(x.shape[1] - 1).bit_length()
    tiny = 2.0**b * np.finfo(float).smallest_subnormal  # subnormals: absolute resolution
    assert np.all(np.abs(got - want) <= 2.0 ** (b - 51) * np.abs(want) + tiny)
    # ... and any row that is not exactly in order is flagged for exact re-evaluation
    unsorted = ~np.all(got == want, axis=1)
    assert np.all(_fast_order(x, 0.0)[1][unsorted])


def test_packed_key_sort_handles_signs_zeros_and_extremes():
    x = np.array([[1.0, -1.0, 0.0, -0.0, 1e308, -1e308, 1e-300, -1e-300, 2.5, -2.5]])
    order = sort_rows(x)
    np.testing.assert_array_equal(x[0, order[0]], np.sort(x[0]))
    # values closer than the keys' resolution (e.g. -0.0 and the smallest subnormal) may come out
    # in city order; the row is then flagged as a near-tie
    assert _fast_order(np.array([[-5e-324, -0.0, 1.0]]), 1.0)[1].tolist() == [True]
    x = np.array([[3.0, np.nan, -np.inf, 1.0, np.inf]])
    assert sort_rows(x)[0].tolist()[:4] == [2, 3, 0, 4]  # NaN last (positive sign bit)


def test_sort_falls_back_to_argsort_for_very_many_cities(monkeypatch):
    x = np.random.default_rng(0).normal(size=(3, 50))
    packed = sort_rows(x)
    monkeypatch.setattr(vec_mod, "PACKED_MAX_CITIES", 10)
    np.testing.assert_array_equal(sort_rows(x), packed)
    np.testing.assert_array_equal(sort_rows(x), np.argsort(x, axis=1))


def test_key_collisions_and_near_ties_are_flagged_not_misordered():
    # 1 + 2^-45 and 1 differ below the packed keys' resolution (bit_length(4) = 3 low bits
    # replaced): the sort may put them in city order, and the row must come back flagged.
    x = np.array([[1.0 + 2.0**-45, 1.0, 3.0, 2.0],
                  [1.0, 1.0 + 1e-13, 3.0, 2.0],   # a near-tie (gap 1e-13 <= 1e-12 * scale)
                  [1.0, 1.5, 3.0, 2.0]])          # clean
    order, flagged, _ = _fast_order(x, 1.0)
    assert flagged.tolist() == [True, True, False]
    np.testing.assert_array_equal(order[2], [0, 1, 3, 2])
    _, flagged, _ = _fast_order(np.array([[1.0, np.nan, 2.0], [np.inf, 1.0, 2.0]]), 1.0)
    assert flagged.tolist() == [True, True]


def test_near_tie_flag_depends_on_the_row_only():
    rng = np.random.default_rng(1)
    x = rng.random((6, 30))
    x[3] *= 1e6  # a large row must not change the tolerance of the others
    x[1, 5] = x[1, 7] + 5e-13
    alone = np.concatenate([_fast_order(x[i:i + 1], 1.0)[1] for i in range(6)])
    np.testing.assert_array_equal(_fast_order(x, 1.0)[1], alone)
    assert alone.tolist() == [False, True, False, False, False, False]


@pytest.mark.parametrize("use_scipy", [True, False])
def test_scatter_count_counts_repeated_pairs(monkeypatch, use_scipy):
    if not use_scipy:
        monkeypatch.setattr(stats_mod, "_coo_todense", None)
    rng = np.random.default_rng(2)
    rows, cols = rng.integers(0, 7, 500), rng.integers(0, 5, 500)
    h = np.zeros((7, 5), dtype=np.int32)
    h[0, 0] = 3  # accumulates into what is there
    scatter_count(h, rows, cols)
    ref = np.zeros((7, 5), dtype=np.int64)
    np.add.at(ref, (rows, cols), 1)
    ref[0, 0] += 3
    np.testing.assert_array_equal(h, ref)


def _ranks(scores, ties="min"):
    return rk.rank(scores, ties=ties)


@pytest.mark.parametrize("ties", ["min", "average", "dense", "ordinal"])
@pytest.mark.parametrize("nominal_ties", [False, True])
def test_sorted_chunk_gives_bitwise_the_dense_statistics(ties, nominal_ties):
    rng = np.random.default_rng(3)
    M, S = 12, 40
    scores = rng.normal(size=(S, M))
    scores[5, 3] = scores[5, 4]  # a tied row (goes dense, half ranks with "average")
    scores[9, 2] = np.nan        # a failed city (goes dense)
    nominal = rng.normal(size=M)
    if nominal_ties:
        nominal[1] = nominal[0]
    nom_rank = _ranks(nominal, ties)
    cut = (3, 7)
    T = np.searchsorted(cut, _ranks(scores, ties), side="left")
    T = np.where(np.isnan(scores), -1, T)
    nominal_tier = np.searchsorted(cut, nom_rank, side="left")
    kw = dict(n_tiers=3, nominal_tier=nominal_tier, top_k=(1, 4), ties=ties)

    dense = RankAccumulator(nom_rank, nominal, **kw)
    dense.update(scores, _ranks(scores, ties), T)
    compact = RankAccumulator(nom_rank, nominal, rank_cutoffs=cut, **kw)
    order, flagged, _ = _fast_order(np.nan_to_num(scores, nan=0.0), 1.0)
    flagged |= np.isnan(scores).any(axis=1)
    d, s = np.flatnonzero(flagged), np.flatnonzero(~flagged)
    assert d.tolist() == [5, 9]
    half = s[::2], s[1::2]  # two groups of sorted rows, as from two discrete-choice groups
    compact.add(SortedChunk(n=S, reasons=np.full(S, "", dtype=object),
                            parts=tuple((r, order[r], scores[r], None) for r in half), dense_rows=d,
                            S=scores[d], R=_ranks(scores[d], ties), T=T[d]))
    a, b = dense.result([f"c{i}" for i in range(M)]), compact.result([f"c{i}" for i in range(M)])
    rank_vars = [v for v in a.data_vars if not v.startswith("score_")]
    for v in rank_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)
    np.testing.assert_allclose(a.score_mean, b.score_mean, rtol=1e-14)
    np.testing.assert_allclose(a.score_sd, b.score_sd, rtol=1e-12)
    assert (dense.half is not None) == (ties == "average")


def test_merge_adds_half_rank_counts():
    nominal = np.array([1.0, 2.0, 3.0])
    a = RankAccumulator(nominal, -nominal, ties="average")
    b = RankAccumulator(nominal, -nominal, ties="average")
    a.update(np.array([[3.0, 2.0, 1.0]]), np.array([[1.0, 2.0, 3.0]]))
    b.update(np.array([[3.0, 3.0, 1.0]]), np.array([[1.5, 1.5, 3.0]]))
    a.merge(b)
    res = a.result(["x", "y", "z"])
    assert res["median"].values.tolist() == [1.25, 1.75, 3.0]
    assert res["mean"].values.tolist() == [1.25, 1.75, 3.0]


def test_score_moments_of_a_linear_form_equal_direct_sums():
    rng = np.random.default_rng(4)
    N = rng.random((30, 5)) * 100
    coef = rng.dirichlet(np.ones(5), size=40)
    nominal = N @ np.full(5, 0.2)
    direct, linear = RankAccumulator(np.arange(1.0, 31), nominal), RankAccumulator(np.arange(1.0, 31), nominal)
    for acc, add in ((direct, lambda a: a._add_scores(coef @ N.T, finite=True)),
                     (linear, lambda a: a._add_linear_scores(coef, N))):
        acc._open_scores()
        add(acc)
        add(acc)  # two parts of one chunk
        acc._close_scores()
    np.testing.assert_array_equal(direct.score_count, linear.score_count)
    np.testing.assert_allclose(linear.score_mean, direct.score_mean, rtol=1e-13)
    np.testing.assert_allclose(linear.score_m2, direct.score_m2, rtol=1e-10)
    scores = coef @ N.T
    np.testing.assert_allclose(direct.score_m2, 2 * ((scores - scores.mean(0)) ** 2).sum(0), rtol=1e-12)
    linear._open_scores()
    linear._add_linear_scores(coef[:0], N)  # an empty part adds nothing
    linear._close_scores()
    assert np.isfinite(linear.score_mean).all() and linear.score_count[0] == 80


def test_score_sd_is_stable_far_from_the_nominal_score():
    """Scores near 1e6 + small noise, nominal scores near 0: the sd must not cancel away."""
    rng = np.random.default_rng(5)
    scores = 1e6 + rng.normal(scale=1e-3, size=(500, 4))
    acc = RankAccumulator(np.arange(1.0, 5), np.zeros(4))
    for part in np.array_split(scores, 7):
        acc.update(part, np.tile(np.arange(1.0, 5), (len(part), 1)))
    res = acc.result(list("abcd"))
    x = scores.astype(np.longdouble)
    truth = np.sqrt(((x - x.mean(axis=0)) ** 2).sum(axis=0) / (len(x) - 1)).astype(float)
    # the data hold ~7 digits of the spread (ulp(1e6) = 1.2e-10 vs sd 1e-3); sums of squares
    # around the nominal score (0 here) would have lost all of them
    np.testing.assert_allclose(res.score_sd, truth, rtol=1e-6)
    np.testing.assert_allclose(res.score_mean, scores.mean(axis=0), rtol=1e-15)
