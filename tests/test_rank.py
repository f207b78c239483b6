"""Tests for citymodel.methods.rank: ranks, rank shifts and tiers (METHODS.md §7, §8.2)."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs

import citymodel
from citymodel.errors import DataError, MethodError, SpecError
from citymodel.methods.rank import (
    TIER_METHODS,
    TIES,
    Tiers,
    assign_tiers,
    goodness_of_variance_fit,
    jenks_breaks,
    mean_abs_rank_shift,
    rank,
    rank_shift,
    tier_bands,
    tier_jenks,
    tier_kmeans,
    tier_quantile,
)

DATA = Path(citymodel.__file__).parent / "datasets" / "data"
H3C_LABELS = ("一线", "新一线", "二线", "三线", "四线")

# small integer values (many ties) with NaN, in batches of rows
tied_rows = hnp.arrays(
    float,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    elements=hs.sampled_from([0.0, 1.0, 2.0, 3.0, -1.5, np.nan]),
)


# --------------------------------------------------------------------------------------------
# rank
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ties", TIES)
@settings(max_examples=60, deadline=None)
@given(x=tied_rows)
def test_rank_matches_scipy_rankdata_of_minus_scores_with_nan_omitted(ties, x):
    expected = st.rankdata(-x, method=ties, axis=-1, nan_policy="omit")
    np.testing.assert_array_equal(rank(x, ties=ties), expected)


@pytest.mark.parametrize("ties", TIES)
@settings(max_examples=30, deadline=None)
@given(x=tied_rows)
def test_rank_ascending_matches_scipy_rankdata(ties, x):
    expected = st.rankdata(x, method=ties, axis=-1, nan_policy="omit")
    np.testing.assert_array_equal(rank(x, ties=ties, ascending=True), expected)


@pytest.mark.parametrize("ties", ["min", "max", "average", "dense"])
@settings(max_examples=40, deadline=None)
@given(x=tied_rows, data=hs.data())
def test_permuting_cities_permutes_ranks(ties, x, data):
    perm = data.draw(hs.permutations(range(x.shape[-1])))
    np.testing.assert_array_equal(rank(x[:, perm], ties=ties), rank(x, ties=ties)[:, perm])


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(float, hs.integers(1, 15),
                    elements=hs.floats(-1e6, 1e6, allow_nan=False)))
def test_rank_of_the_maximum_is_one_and_of_the_minimum_is_m_under_max_ties(x):
    r = rank(x)
    assert np.all(r[x == x.max()] == 1)
    assert np.all(rank(x, ties="max")[x == x.min()] == x.size)


@settings(max_examples=40, deadline=None)
@given(x=tied_rows)
def test_min_tie_rank_is_one_plus_number_of_strictly_better_cities(x):
    r = rank(x, ties="min")
    better = (x[:, None, :] > x[:, :, None]).sum(axis=-1)  # for each city: # strictly higher
    ok = ~np.isnan(x)
    np.testing.assert_array_equal(r[ok], (better + 1.0)[ok])
    assert np.all(np.isnan(r[~ok]))


def test_rank_hand_values_for_every_tie_method():
    x = [5.0, 7.0, 5.0, np.nan, 1.0]
    expected = {
        "min": [2, 1, 2, np.nan, 4],
        "max": [3, 1, 3, np.nan, 4],
        "average": [2.5, 1, 2.5, np.nan, 4],
        "dense": [2, 1, 2, np.nan, 3],
        "ordinal": [2, 1, 3, np.nan, 4],
    }
    for ties, exp in expected.items():
        np.testing.assert_array_equal(rank(x, ties=ties), exp, err_msg=ties)


def test_rank_is_batched_over_leading_axes_like_a_loop():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, size=(3, 4, 9)).astype(float)
    x[0, 1, 2] = np.nan
    loop = np.stack([np.stack([rank(row) for row in block]) for block in x])
    np.testing.assert_array_equal(rank(x), loop)


def test_rank_returns_float_and_all_nan_row_gives_all_nan():
    r = rank([[np.nan, np.nan], [2, 1]])
    assert r.dtype == float
    assert np.isnan(r[0]).all()
    np.testing.assert_array_equal(r[1], [1, 2])


def test_rank_of_integer_input_and_infinities():
    np.testing.assert_array_equal(rank([3, 1, 2]), [1, 3, 2])
    np.testing.assert_array_equal(rank([np.inf, 0.0, -np.inf]), [1, 2, 3])


def test_rank_unknown_ties_raises_spec_error_listing_valid_methods():
    with pytest.raises(SpecError, match="unknown tie method 'first'.*average, dense, max, min, ordinal"):
        rank([1, 2], ties="first")


def test_rank_rejects_scalar_and_non_numeric_scores():
    with pytest.raises(DataError, match="scalar"):
        rank(3.0)
    with pytest.raises(DataError, match="numeric"):
        rank(["a", "b"])


# --------------------------------------------------------------------------------------------
# rank shift
# --------------------------------------------------------------------------------------------
def test_rank_shift_is_rank_minus_reference_and_broadcasts_over_scenarios():
    ranks = np.array([[2, 1, 3], [3, 2, 1]])
    np.testing.assert_array_equal(rank_shift(ranks, [1, 2, 3]), [[1, -1, 0], [2, 0, -2]])


def test_mean_abs_rank_shift_equals_handbook_eq38_by_hand():
    # R_S = (1/M) sum |ref - rank|: |1-2| + |2-1| + 0 + |4-4| = 2 over 4 cities
    assert mean_abs_rank_shift([2, 1, 3, 4], [1, 2, 3, 4]) == pytest.approx(0.5)
    out = mean_abs_rank_shift([[2, 1, 3, 4], [4, 3, 2, 1]], [1, 2, 3, 4])
    np.testing.assert_allclose(out, [0.5, 2.0])


def test_mean_abs_rank_shift_ignores_nan_and_gives_nan_for_empty_rows():
    out = mean_abs_rank_shift([[np.nan, 1, 5], [np.nan, np.nan, np.nan]], [1, 2, 3])
    np.testing.assert_allclose(out, [1.5, np.nan])


def test_rank_shift_with_different_number_of_cities_raises_data_error():
    with pytest.raises(DataError, match="3 cities but the reference has 2"):
        rank_shift([1, 2, 3], [1, 2])


# --------------------------------------------------------------------------------------------
# tiers: bands (H3C 2021)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def h3c() -> pd.DataFrame:
    return pd.read_csv(DATA / "h3c_2021_cities.csv")


def test_h3c_bands_40_50_65_85_reproduce_published_tier_counts(h3c):
    t = tier_bands(h3c["de_index_score"], [40, 50, 65, 85], labels=H3C_LABELS)
    # published: 6 一线, 47 新一线, 71 二线, 88 三线, 30 四线
    np.testing.assert_array_equal(t.counts(), [6, 47, 71, 88, 30])
    assert t.labels == H3C_LABELS


def test_h3c_bands_reproduce_tier_inferred_column_city_by_city(h3c):
    t = tier_bands(h3c["de_index_score"], [40, 50, 65, 85], labels=H3C_LABELS)
    assert list(t.named) == list(h3c["tier_inferred"])


def test_h3c_bands_reproduce_published_tier_mean_scores(h3c):
    t = tier_bands(h3c["de_index_score"].to_numpy(), [40, 50, 65, 85])
    means = [h3c["de_index_score"].to_numpy()[t.codes == i].mean() for i in range(5)]
    # published means 90.3 / 70.6 / 56.8 / 44.1 / 38.4 (1 dp)
    np.testing.assert_array_equal(np.round(means, 1), [90.3, 70.6, 56.8, 44.1, 38.4])


def test_score_equal_to_cutoff_joins_upper_band_unless_right_is_true():
    x = [85.0, 65.0, 40.0, 39.99]
    np.testing.assert_array_equal(tier_bands(x, [40, 50, 65, 85]).codes, [0, 1, 3, 4])
    np.testing.assert_array_equal(tier_bands(x, [40, 50, 65, 85], right=True).codes, [1, 2, 4, 4])


def test_bands_missing_score_gets_code_minus_one_and_label_none():
    t = tier_bands([np.nan, 90.0], [50], labels=["top", "rest"])
    np.testing.assert_array_equal(t.codes, [-1, 0])
    assert list(t.named) == [None, "top"]
    assert t.codes.dtype.kind == "i"


def test_bands_are_batched_over_scenarios():
    x = np.array([[10.0, 60.0], [60.0, 10.0]])
    np.testing.assert_array_equal(tier_bands(x, [50]).codes, [[1, 0], [0, 1]])


def test_bands_bad_cutoffs_and_labels_raise_spec_error():
    with pytest.raises(SpecError, match="strictly ascending"):
        tier_bands([1.0], [85, 65, 50, 40])
    with pytest.raises(SpecError, match="3 tier labels given for 5 tiers"):
        tier_bands([1.0], [40, 50, 65, 85], labels=["a", "b", "c"])
    with pytest.raises(SpecError, match="finite"):
        tier_bands([1.0], [])


# --------------------------------------------------------------------------------------------
# tiers: quantiles
# --------------------------------------------------------------------------------------------
def test_quantile_tier_is_ceil_k_rank_over_m_minus_one():
    # ranks 1..7, k = 3: ceil(3r/7) = 1,1,2,2,3,3,3
    scores = [70, 60, 50, 40, 30, 20, 10]
    np.testing.assert_array_equal(tier_quantile(scores, 3).codes, [0, 0, 1, 1, 2, 2, 2])
    np.testing.assert_array_equal(
        tier_quantile([1, 2, 3, 4, 5, 6, 7], 3, values_are_ranks=True).codes,
        [0, 0, 1, 1, 2, 2, 2],
    )


def test_quantile_tiers_give_tied_cities_the_same_tier_and_skip_nan():
    t = tier_quantile([9, 9, 5, np.nan, 1], 2)  # ranks 1,1,3,-,4 over M = 4
    np.testing.assert_array_equal(t.codes, [0, 0, 1, -1, 1])


def test_quantile_bad_k_and_out_of_range_ranks_raise():
    with pytest.raises(SpecError, match="positive integer"):
        tier_quantile([1, 2], 0)
    with pytest.raises(DataError, match="1..M"):
        tier_quantile([1, 5], 2, values_are_ranks=True)


# --------------------------------------------------------------------------------------------
# tiers: Fisher-Jenks
# --------------------------------------------------------------------------------------------
def _mapclassify_bins(x, k):
    mapclassify = pytest.importorskip("mapclassify")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Numba not installed"
        return mapclassify.FisherJenks(x, k).bins


@pytest.mark.parametrize("seed", range(8))
def test_jenks_breaks_equal_mapclassify_fisherjenks_on_random_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(size=35) if seed % 2 else rng.normal(50, 15, size=35)
    k = 3 + seed % 4
    np.testing.assert_allclose(jenks_breaks(x, k), _mapclassify_bins(x, k))


def test_jenks_breaks_reproduce_mapclassify_documented_california_example():
    mapclassify = pytest.importorskip("mapclassify")
    cal = mapclassify.load_example()
    # mapclassify docs: FisherJenks(cal).bins == [75.29, 192.05, 370.5, 722.85, 4111.45]
    np.testing.assert_allclose(jenks_breaks(cal, 5), [75.29, 192.05, 370.5, 722.85, 4111.45])


def _sdcm(x, cuts):
    return sum(((g - g.mean()) ** 2).sum() for g in np.split(np.sort(x), cuts))


@pytest.mark.parametrize("seed", range(5))
def test_jenks_is_the_exact_optimum_by_brute_force_over_all_partitions(seed):
    rng = np.random.default_rng(100 + seed)
    x = np.sort(rng.normal(size=11))
    k = 3
    best = min(_sdcm(x, list(c)) for c in itertools.combinations(range(1, x.size), k - 1))
    br = jenks_breaks(x, k)
    cuts = [int(np.searchsorted(x, b, side="right")) for b in br[:-1]]
    assert _sdcm(x, cuts) == pytest.approx(best, rel=1e-12)


def test_jenks_never_splits_equal_values_and_ignores_nan():
    x = [1.0, 1.0, 1.0, 2.0, 9.0, 9.0, np.nan, 10.0]
    br = jenks_breaks(x, 3)
    # {1,1,1} {2} {9,9,10}: SDCM 2/3 beats {1,1,1,2} {9,9} {10}: 3/4
    np.testing.assert_array_equal(br, [1.0, 2.0, 10.0])
    np.testing.assert_array_equal(jenks_breaks([1, 1, 5, 5], 2), [1, 5])


def test_goodness_of_variance_fit_equals_hand_value_and_improves_with_jenks():
    # SDAM = 125.5, SDCM = 2 + 2  ->  GVF = 1 - 4/125.5
    gvf = goodness_of_variance_fit([1, 2, 3, 10, 11, 12], [3, 12])
    assert gvf == pytest.approx(1 - 4 / 125.5)
    rng = np.random.default_rng(7)
    x = rng.normal(size=40)
    jk = goodness_of_variance_fit(x, jenks_breaks(x, 4))
    eq = goodness_of_variance_fit(x, np.quantile(x, [0.25, 0.5, 0.75, 1.0]))
    assert eq <= jk <= 1.0


def test_goodness_of_variance_fit_of_constant_data_is_nan():
    assert np.isnan(goodness_of_variance_fit([2.0, 2.0, 2.0], [2.0]))


def test_tier_jenks_puts_highest_class_in_tier_zero_and_is_batched():
    x = np.array([[1, 2, 3, 10, 11, 12, 30], [30, 12, 11, 10, 3, 2, 1]], dtype=float)
    t = tier_jenks(x, 3, labels=["high", "mid", "low"])
    np.testing.assert_array_equal(t.codes[0], [2, 2, 2, 1, 1, 1, 0])
    np.testing.assert_array_equal(t.codes[1], t.codes[0][::-1])
    assert t.named[0, -1] == "high"


def test_jenks_with_more_classes_than_distinct_values_raises_method_error():
    with pytest.raises(MethodError, match="only 2 distinct"):
        jenks_breaks([1, 1, 2, 2], 3)


# --------------------------------------------------------------------------------------------
# tiers: k-means
# --------------------------------------------------------------------------------------------
def test_kmeans_tiers_are_ordered_by_cluster_centre_best_first():
    x = np.array([1.0, 1.2, 0.9, 50.0, 51.0, 100.0, 99.0, np.nan])
    t = tier_kmeans(x, 3, seed=0)
    np.testing.assert_array_equal(t.codes, [2, 2, 2, 1, 1, 0, 0, -1])


def test_kmeans_matches_jenks_on_well_separated_groups_and_is_seed_reproducible():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(c, 1, 15) for c in (0, 20, 40, 60)])
    a = tier_kmeans(x, 4, seed=5)
    np.testing.assert_array_equal(a.codes, tier_jenks(x, 4).codes)
    np.testing.assert_array_equal(tier_kmeans(x, 4, seed=np.random.default_rng(2)).codes, a.codes)


def test_kmeans_bad_seed_raises_spec_error():
    with pytest.raises(SpecError, match="seed"):
        tier_kmeans([1.0, 2.0, 3.0], 2, seed="x")


# --------------------------------------------------------------------------------------------
# dispatcher
# --------------------------------------------------------------------------------------------
def test_assign_tiers_dispatches_each_registered_method():
    x = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0])
    assert set(TIER_METHODS) == {"bands", "rank_bands", "quantile", "jenks", "kmeans"}
    np.testing.assert_array_equal(assign_tiers(x, "bands", cutoffs=[5]).codes, [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(assign_tiers(x, "rank_bands", cutoffs=[3]).codes, [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(assign_tiers(x, "quantile", k=2).codes, [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(assign_tiers(x, "jenks", k=2).codes, [1, 1, 1, 0, 0, 0])
    t = assign_tiers(x, "kmeans", k=2, seed=1)
    assert isinstance(t, Tiers)
    np.testing.assert_array_equal(t.codes, [1, 1, 1, 0, 0, 0])


def test_assign_tiers_unknown_method_raises_spec_error_listing_valid_ones():
    with pytest.raises(SpecError, match="unknown tiering method 'natural'.*bands, jenks, kmeans"):
        assign_tiers([1.0, 2.0], "natural")


def test_assign_tiers_unknown_or_missing_parameter_raises_spec_error():
    with pytest.raises(SpecError, match="no parameter.*cutoffs"):
        assign_tiers([1.0, 2.0], "jenks", k=2, cutoffs=[1])
    with pytest.raises(SpecError, match="needs parameter.*k"):
        assign_tiers([1.0, 2.0], "quantile")


def test_rank_bands_with_published_sizes_reproduce_h3c_tiers():
    """H3C 2021 tier sizes 6/47/71/88/30 as rank cut-offs give the same tiers as the score cut-offs."""
    from citymodel.datasets import load_h3c2021
    from citymodel.methods.rank import tier_rank_bands

    h = load_h3c2021()
    t = tier_rank_bands(h.score.values, [6, 53, 124, 212],
                        labels=["一线", "新一线", "二线", "三线", "四线"])
    assert t.counts().tolist() == [6, 47, 71, 88, 30]
    assert (t.named == h.tier.values).all()
    # invariant to the scale of the scores, unlike score bands
    np.testing.assert_array_equal(tier_rank_bands(np.log(h.score.values), [6, 53, 124, 212]).codes, t.codes)


def test_rank_bands_bad_cutoffs():
    from citymodel.methods.rank import tier_rank_bands

    with pytest.raises(SpecError, match="whole ranks"):
        tier_rank_bands([1.0, 2.0], [2.5])
