"""Tests for citymodel.uncertainty.sampling (designs for UA/SA, METHODS.md §8.1 and §8.3)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SALib.sample import sobol as salib_sobol
from scipy.stats import qmc

from citymodel.errors import CitymodelWarning, DataError, SpecError
from citymodel.uncertainty.sampling import (
    SaltelliDesign,
    SamplingWarning,
    latin_hypercube,
    monte_carlo,
    saltelli_design,
    sobol_qmc,
)


def _problem(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


# ---------------------------------------------------------------------------------------------
# SALib parity
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [1, 3, 7])
@pytest.mark.parametrize("N", [8, 64])
@pytest.mark.parametrize("second_order", [False, True])
@pytest.mark.parametrize("skip_values", [0, 64, 16])
def test_salib_layout_equals_SALib_sobol_sample_bit_for_bit(d, N, second_order, skip_values):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skip_values=16 < N=64 warns in both
        ref = salib_sobol.sample(_problem(d), N, calc_second_order=second_order,
                                 skip_values=skip_values, seed=2024)
        des = saltelli_design(N, d, seed=2024, second_order=second_order,
                              skip_values=skip_values)
    assert np.array_equal(des.X, ref)
    assert des.X.shape == (N * (2 * d + 2 if second_order else d + 2), d) == (des.runs, d)


@pytest.mark.parametrize("scramble", [True, False])
def test_salib_layout_matches_SALib_with_generator_seed_and_scramble_option(scramble):
    ref = salib_sobol.sample(_problem(4), 32, calc_second_order=True, scramble=scramble,
                             seed=np.random.default_rng(7))
    des = saltelli_design(32, 4, seed=np.random.default_rng(7), second_order=True,
                          scramble=scramble)
    assert np.array_equal(des.X, ref)


def test_skip_values_warnings_mirror_SALib_as_SamplingWarning():
    with pytest.warns(SamplingWarning, match="not a power of 2"):
        saltelli_design(8, 2, seed=0, skip_values=12)
    with pytest.warns(SamplingWarning, match="N = 64 > skip_values = 16"):
        saltelli_design(64, 2, seed=0, skip_values=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        saltelli_design(64, 2, seed=0, skip_values=64)  # no warning


# ---------------------------------------------------------------------------------------------
# structure of the designs
# ---------------------------------------------------------------------------------------------
def test_blocks_layout_is_COINr_order_A_B_then_AB_blocks():
    N, d = 16, 3
    des = saltelli_design(N, d, seed=3, layout="blocks")
    X = des.X
    A, B = X[:N], X[N:2 * N]
    for i in range(d):
        ABi = X[(2 + i) * N:(3 + i) * N]
        expect = A.copy()
        expect[:, i] = B[:, i]
        assert np.array_equal(ABi, expect)
    # same base sequence as the SALib layout
    sal = saltelli_design(N, d, seed=3)
    assert np.array_equal(A, sal.X[sal.rows("A")])
    assert np.array_equal(B, sal.X[sal.rows("B")])


@settings(max_examples=40, deadline=None)
@given(
    N=st.integers(2, 20),
    d=st.integers(1, 6),
    second_order=st.booleans(),
    layout=st.sampled_from(["salib", "blocks"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_AB_block_is_A_with_column_i_from_B_and_split_agrees_with_rows(
    N, d, second_order, layout, seed
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)
        des = saltelli_design(N, d, seed=seed, second_order=second_order, layout=layout,
                              base="random" if seed % 2 else "sobol")
    X = des.X
    assert X.shape == (des.runs, d)
    assert des.runs == N * (2 * d + 2 if second_order else d + 2)
    assert np.all((X >= 0) & (X < 1))
    xA, xB, xAB, xBA = des.split(X)
    assert np.array_equal(xA, X[des.rows("A")]) and np.array_equal(xB, X[des.rows("B")])
    for i in range(d):
        assert np.array_equal(xAB[i], X[des.rows("AB", i)])
        others = np.arange(d) != i
        assert np.array_equal(xAB[i][:, others], xA[:, others])
        assert np.array_equal(xAB[i][:, i], xB[:, i])
        if second_order:
            assert np.array_equal(xBA[i][:, others], xB[:, others])
            assert np.array_equal(xBA[i][:, i], xA[:, i])
    assert (xBA is None) == (not second_order)
    # every row belongs to exactly one block
    blocks = [des.rows("A"), des.rows("B")] + [des.rows("AB", i) for i in range(d)]
    if second_order:
        blocks += [des.rows("BA", i) for i in range(d)]
    assert np.array_equal(np.sort(np.concatenate(blocks)), np.arange(des.runs))


@pytest.mark.parametrize("layout", ["salib", "blocks"])
def test_subset_of_first_n_base_points_equals_design_built_with_n(layout):
    big = saltelli_design(64, 3, seed=11, layout=layout, second_order=True)
    small = saltelli_design(16, 3, seed=11, layout=layout, second_order=True)
    sub, idx = big.subset(16)
    assert np.array_equal(sub.X, small.X)
    assert np.array_equal(big.X[idx], small.X)
    assert sub.N == 16 and sub.runs == small.runs


def test_ab_rows_are_the_2N_independent_points():
    des = saltelli_design(8, 2, seed=1)
    rows = des.ab_rows()
    assert rows.shape == (16,)
    assert np.array_equal(des.X[rows[:8]], des.split(des.X)[0])


def test_random_base_is_default_rng_of_seed_split_in_A_and_B():
    des = saltelli_design(10, 3, seed=5, base="random", layout="blocks")
    base = np.random.default_rng(5).random((10, 6))
    assert np.array_equal(des.X[:10], base[:, :3])
    assert np.array_equal(des.X[10:20], base[:, 3:])
    again = saltelli_design(10, 3, seed=5, base="random", layout="blocks")
    assert np.array_equal(des.X, again.X)
    assert not np.array_equal(des.X, saltelli_design(10, 3, seed=6, base="random").X)


def test_factor_names_default_and_custom():
    assert saltelli_design(4, 2, seed=0).names == ("x1", "x2")
    assert saltelli_design(4, 2, seed=0, names=["norm", "weights"]).names == ("norm", "weights")


# ---------------------------------------------------------------------------------------------
# plain UA samples
# ---------------------------------------------------------------------------------------------
def test_monte_carlo_is_reproducible_uniform_draws():
    x = monte_carlo(50, 3, seed=9)
    assert x.shape == (50, 3) and np.all((x >= 0) & (x < 1))
    assert np.array_equal(x, np.random.default_rng(9).random((50, 3)))
    assert np.array_equal(x, monte_carlo(50, 3, seed=np.random.default_rng(9)))


def test_latin_hypercube_has_one_point_per_stratum_in_every_column():
    x = latin_hypercube(20, 4, seed=1)
    assert x.shape == (20, 4)
    for j in range(4):
        assert np.array_equal(np.sort(np.floor(x[:, j] * 20)), np.arange(20))
    assert np.array_equal(x, latin_hypercube(20, 4, seed=1))


def test_sobol_qmc_equals_scipy_engine_and_is_balanced():
    x = sobol_qmc(16, 3, seed=4)
    assert np.array_equal(x, qmc.Sobol(d=3, scramble=True, seed=4).random(16))
    for j in range(3):  # (0, m, s)-net: one point per interval of length 1/16
        assert np.array_equal(np.sort(np.floor(x[:, j] * 16)), np.arange(16))
    assert sobol_qmc(4, 1, scramble=False).ravel().tolist() == [0.0, 0.5, 0.75, 0.25]


def test_sobol_qmc_and_saltelli_warn_once_with_citymodel_warning_when_n_not_power_of_2():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        sobol_qmc(10, 2, seed=0)
    assert len(rec) == 1 and issubclass(rec[0].category, SamplingWarning)
    assert issubclass(SamplingWarning, CitymodelWarning)
    assert "power of 2" in str(rec[0].message) and "16" in str(rec[0].message)
    with pytest.warns(SamplingWarning, match="N = 100 is not a power of 2"):
        saltelli_design(100, 2, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        saltelli_design(100, 2, seed=0, base="random")  # only Sobol' needs 2^m


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(N=1, d=2), "N .* >= 2"),
        (dict(N=0, d=2), "N .* >= 2"),
        (dict(N=8, d=0), "d .* >= 1"),
        (dict(N=8.5, d=2), "must be an integer"),
        (dict(N=8, d=True), "must be an integer"),
        (dict(N=8, d=2, base="halton"), "valid Saltelli base samples are: random, sobol"),
        (dict(N=8, d=2, layout="coinr"), "valid Saltelli layouts are: blocks, salib"),
        (dict(N=8, d=2, skip_values=-4), "skip_values must be a non-negative integer"),
        (dict(N=8, d=2, skip_values=2.5), "skip_values must be a non-negative integer"),
        (dict(N=8, d=2, skip_values=8, base="random"), "only applies to base='sobol'"),
        (dict(N=8, d=2, names=["a"]), "1 factor names given for d = 2"),
    ],
)
def test_saltelli_design_rejects_bad_arguments_with_SpecError(kwargs, match):
    N, d = kwargs.pop("N"), kwargs.pop("d")
    with pytest.raises(SpecError, match=match):
        saltelli_design(N, d, seed=0, **kwargs)


@pytest.mark.parametrize("fn", [monte_carlo, latin_hypercube, sobol_qmc])
def test_ua_samplers_reject_nonpositive_sizes(fn):
    with pytest.raises(SpecError, match="n must be an integer >= 1"):
        fn(0, 2, seed=0)
    with pytest.raises(SpecError, match="d must be an integer >= 1"):
        fn(4, 0, seed=0)


def test_split_rejects_outputs_with_wrong_number_of_rows():
    des = saltelli_design(8, 2, seed=0)
    with pytest.raises(DataError, match="31 rows but the Saltelli design has 32 runs"):
        des.split(np.zeros(31))


def test_rows_rejects_unknown_block_and_missing_BA_blocks():
    des = saltelli_design(8, 2, seed=0)
    with pytest.raises(SpecError, match="valid design blocks are: A, AB, B, BA"):
        des.rows("C")
    with pytest.raises(SpecError, match="second_order=True"):
        des.rows("BA", 0)
    with pytest.raises(SpecError, match="factor index 0 <= i < 2"):
        des.rows("AB", 2)
    with pytest.raises(SpecError, match="cannot take 16 base points"):
        des.subset(16)


def test_design_constructor_checks_matrix_shape():
    with pytest.raises(SpecError, match="expected \\(16, 2\\)"):
        SaltelliDesign(X=np.zeros((15, 2)), N=4, d=2, second_order=False, layout="salib")
