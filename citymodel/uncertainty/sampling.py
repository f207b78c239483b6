"""Sampling designs for uncertainty and sensitivity analysis.

Every function here returns draws from the unit hypercube U(0, 1)^d, one row per model run;
the scenario factors (elsewhere) map each column to an actual choice (a normalisation method, a
weight vector, an excluded indicator...). Randomness comes only from an explicit ``seed`` (an
``int``, ``None`` or a :class:`numpy.random.Generator`).

* :func:`monte_carlo`, :func:`latin_hypercube`, :func:`sobol_qmc` -- plain uncertainty-analysis
  samples (METHODS.md §8.1).
* :func:`saltelli_design` -- the A / B / A_B^(i) (/ B_A^(i)) design of Saltelli (2002) and
  Saltelli et al. (2010) used by the Sobol' estimators in :mod:`citymodel.uncertainty.sobol`
  (METHODS.md §8.3). ``layout="salib"`` reproduces ``SALib.sample.sobol.sample`` bit for bit;
  ``layout="blocks"`` is COINr's ``[A; B; A_B^(1) ... A_B^(d)]`` order.

References
----------
Saltelli, A. (2002). Making best use of model evaluations to compute sensitivity indices.
Computer Physics Communications 145, 280-297.
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010). Variance
based sensitivity analysis of model output. Computer Physics Communications 181, 259-270.
Herman, J., Usher, W. (2017). SALib: an open-source Python library for sensitivity analysis.
JOSS 2(9):97 (``SALib.sample.sobol``, version 1.6).
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import qmc

from ..errors import CitymodelWarning, DataError, SpecError, unknown_name

__all__ = [
    "SamplingWarning",
    "SaltelliDesign",
    "monte_carlo",
    "latin_hypercube",
    "sobol_qmc",
    "saltelli_design",
]

SeedLike = int | np.random.Generator | None

BASES = ("sobol", "random")
LAYOUTS = ("salib", "blocks")

_SCIPY_BALANCE_MSG = "The balance properties of Sobol' points"


class SamplingWarning(CitymodelWarning):
    """A sampling design loses a guaranteed property (e.g. Sobol' balance when n is not 2^m)."""


def _is_pow2(n: int) -> bool:
    return n > 0 and (n & (n - 1)) == 0


def _count(value, name: str, minimum: int) -> int:
    """Return ``value`` as an ``int`` >= ``minimum`` or raise :class:`SpecError`."""
    if isinstance(value, bool):
        raise SpecError(f"{name} must be an integer >= {minimum}, got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise SpecError(f"{name} must be an integer >= {minimum}, got {value!r}") from None
    if v < minimum:
        raise SpecError(f"{name} must be an integer >= {minimum}, got {v}")
    return v


def _sobol_random(engine: qmc.Sobol, n: int) -> np.ndarray:
    """Draw ``n`` points, replacing SciPy's balance warning by our own (issued by the caller)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_SCIPY_BALANCE_MSG, category=UserWarning)
        return engine.random(n)


def _warn_pow2(n: int, what: str) -> None:
    warnings.warn(
        f"{what} = {n} is not a power of 2: the Sobol' sequence loses its balance properties "
        f"(and convergence rate). Use {what} = {1 << max(1, (n - 1).bit_length())} or "
        f"{1 << max(1, n.bit_length() - 1)}.",
        SamplingWarning,
        stacklevel=3,
    )


def monte_carlo(n: int, d: int, seed: SeedLike = None) -> np.ndarray:
    """Plain Monte Carlo sample: ``n`` independent uniform points in [0, 1)^d.

    Parameters
    ----------
    n, d : int
        Number of runs (>= 1) and number of factors (>= 1).
    seed : int, numpy.random.Generator or None
        Passed to :func:`numpy.random.default_rng`.

    Returns
    -------
    ndarray, shape (n, d)
        ``default_rng(seed).random((n, d))``.

    Examples
    --------
    >>> monte_carlo(3, 2, seed=1).shape
    (3, 2)
    """
    n = _count(n, "n", 1)
    d = _count(d, "d", 1)
    return np.random.default_rng(seed).random((n, d))


def latin_hypercube(n: int, d: int, seed: SeedLike = None) -> np.ndarray:
    """Latin hypercube sample (McKay, Beckman & Conover 1979) via :class:`scipy.stats.qmc.LatinHypercube`.

    Each column has exactly one point in each of the ``n`` strata ``[k/n, (k+1)/n)``, randomly
    placed within the stratum and randomly paired across columns.

    Returns
    -------
    ndarray, shape (n, d)

    Examples
    --------
    >>> x = latin_hypercube(4, 2, seed=0)
    >>> sorted((x[:, 0] * 4).astype(int).tolist())
    [0, 1, 2, 3]
    """
    n = _count(n, "n", 1)
    d = _count(d, "d", 1)
    return qmc.LatinHypercube(d=d, seed=seed).random(n)


def sobol_qmc(n: int, d: int, seed: SeedLike = None, scramble: bool = True) -> np.ndarray:
    """First ``n`` points of a (scrambled) Sobol' sequence via :class:`scipy.stats.qmc.Sobol`.

    ``scramble=True`` applies SciPy's LMS + digital-shift scrambling (Owen 1998; Matousek 1998),
    seeded by ``seed``. A :class:`SamplingWarning` is issued when ``n`` is not a power of 2
    (the sequence is only balanced for n = 2^m).

    Returns
    -------
    ndarray, shape (n, d)

    Examples
    --------
    >>> sobol_qmc(4, 1, scramble=False).ravel().tolist()
    [0.0, 0.5, 0.75, 0.25]
    """
    n = _count(n, "n", 1)
    d = _count(d, "d", 1)
    if not _is_pow2(n):
        _warn_pow2(n, "n")
    return _sobol_random(qmc.Sobol(d=d, scramble=bool(scramble), seed=seed), n)


@dataclass(eq=False)
class SaltelliDesign:
    """A Saltelli sample: the U(0,1) matrix ``X`` plus what is needed to split model outputs.

    Attributes
    ----------
    X : ndarray, shape (runs, d)
        Runs = N(d + 2), or N(2d + 2) with ``second_order``.
    N : int
        Number of base points (rows of A and of B).
    d : int
        Number of factors.
    second_order : bool
        Whether the B_A^(i) blocks (needed for second-order indices) are included.
    layout : {"salib", "blocks"}
        Row order. ``"salib"``: per base point j, rows ``[A_j, AB_1j .. AB_dj, (BA_1j .. BA_dj),
        B_j]``. ``"blocks"``: ``[A; B; A_B^(1); ... ; A_B^(d); (B_A^(1); ... ; B_A^(d))]``,
        each block N rows (COINr order, extended with the B_A blocks).
    names : tuple of str
        Factor names (default ``x1 .. xd``).
    base, scramble, skip_values : provenance of the base sample.

    Notes
    -----
    A_B^(i) is A with column i taken from B; B_A^(i) is B with column i taken from A.
    """

    X: np.ndarray
    N: int
    d: int
    second_order: bool
    layout: str
    names: tuple[str, ...] = ()
    base: str = "sobol"
    scramble: bool = True
    skip_values: int = 0
    _n_blocks: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._n_blocks = 2 * self.d + 2 if self.second_order else self.d + 2
        if not self.names:
            self.names = tuple(f"x{i + 1}" for i in range(self.d))
        self.names = tuple(str(s) for s in self.names)
        if len(self.names) != self.d:
            raise SpecError(f"design has {self.d} factors but {len(self.names)} names were given")
        if self.X.shape != (self.runs, self.d):
            raise SpecError(
                f"design matrix has shape {self.X.shape}; expected ({self.runs}, {self.d})"
            )

    @property
    def runs(self) -> int:
        """Number of model runs, N(d + 2) or N(2d + 2)."""
        return self.N * (2 * self.d + 2 if self.second_order else self.d + 2)

    def _block_order(self) -> list[tuple[str, int | None]]:
        """Blocks in the order they appear within a base point (salib) or in the matrix (blocks)."""
        ab = [("AB", i) for i in range(self.d)]
        ba = [("BA", i) for i in range(self.d)] if self.second_order else []
        if self.layout == "salib":
            return [("A", None), *ab, *ba, ("B", None)]
        return [("A", None), ("B", None), *ab, *ba]

    def rows(self, block: str, i: int | None = None) -> np.ndarray:
        """Row indices of a block of the design, ordered by base point.

        Parameters
        ----------
        block : {"A", "B", "AB", "BA"}
        i : int, required for "AB" / "BA"
            Factor index (0-based).

        Examples
        --------
        >>> des = saltelli_design(4, 2, seed=0)
        >>> des.rows("B").tolist()
        [3, 7, 11, 15]
        """
        valid = ("A", "B", "AB", "BA")
        if block not in valid:
            raise unknown_name("design block", block, valid)
        if block == "BA" and not self.second_order:
            raise SpecError("this design has no B_A blocks; build it with second_order=True")
        if block in ("AB", "BA"):
            if i is None or not 0 <= int(i) < self.d:
                raise SpecError(f"block {block!r} needs a factor index 0 <= i < {self.d}, got {i!r}")
            key = (block, int(i))
        else:
            key = (block, None)
        pos = self._block_order().index(key)
        j = np.arange(self.N)
        if self.layout == "salib":
            return j * self._n_blocks + pos
        return pos * self.N + j

    def ab_rows(self) -> np.ndarray:
        """Rows of A and B (2N independent points): use these for uncertainty statistics."""
        return np.concatenate([self.rows("A"), self.rows("B")])

    def subset(self, n: int) -> tuple[SaltelliDesign, np.ndarray]:
        """Design restricted to the first ``n`` base points, and the row indices used.

        For a Sobol' base with n = 2^m these rows are themselves a balanced Saltelli design.
        """
        n = _count(n, "n", 2)
        if n > self.N:
            raise SpecError(f"cannot take {n} base points from a design with N = {self.N}")
        if self.layout == "salib":
            idx = np.arange(n * self._n_blocks)
        else:
            idx = (np.arange(self._n_blocks)[:, None] * self.N + np.arange(n)).ravel()
        sub = SaltelliDesign(
            X=self.X[idx], N=n, d=self.d, second_order=self.second_order, layout=self.layout,
            names=self.names, base=self.base, scramble=self.scramble, skip_values=self.skip_values,
        )
        return sub, idx

    def split(self, Y) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """Split model outputs into the estimator blocks.

        Parameters
        ----------
        Y : array_like, shape (runs, ...)
            Model outputs, one row per design row (any trailing output shape).

        Returns
        -------
        yA, yB : ndarray, shape (N, ...)
        yAB : ndarray, shape (d, N, ...)
            ``yAB[i]`` = outputs on A_B^(i).
        yBA : ndarray, shape (d, N, ...) or None
            ``yBA[i]`` = outputs on B_A^(i); None without ``second_order``.
        """
        Y = np.asarray(Y)
        if Y.ndim < 1 or Y.shape[0] != self.runs:
            raise DataError(
                f"model outputs have {Y.shape[0] if Y.ndim else 0} rows but the Saltelli design "
                f"has {self.runs} runs (N = {self.N}, d = {self.d}, second_order = "
                f"{self.second_order}); evaluate the model on every row of design.X, in order"
            )
        rest = Y.shape[1:]
        d, nb = self.d, self._n_blocks
        if self.layout == "salib":
            Y3 = np.moveaxis(Y.reshape((self.N, nb, *rest)), 1, 0)
            yA, yAB, yB = Y3[0], Y3[1:d + 1], Y3[nb - 1]
            yBA = Y3[d + 1:2 * d + 1] if self.second_order else None
        else:
            Y3 = Y.reshape((nb, self.N, *rest))
            yA, yB, yAB = Y3[0], Y3[1], Y3[2:d + 2]
            yBA = Y3[d + 2:2 * d + 2] if self.second_order else None
        return yA, yB, yAB, yBA


def _saltelli_matrix(A: np.ndarray, B: np.ndarray, second_order: bool, layout: str) -> np.ndarray:
    """Assemble the design from the base matrices A, B (N, d) without a loop over base points."""
    N, d = A.shape
    nb = 2 * d + 2 if second_order else d + 2
    diag = np.arange(d)
    if layout == "salib":
        out = np.empty((N, nb, d))
        out[:, 0] = A
        out[:, 1:d + 1] = A[:, None, :]
        out[:, 1 + diag, diag] = B
        if second_order:
            out[:, d + 1:2 * d + 1] = B[:, None, :]
            out[:, d + 1 + diag, diag] = A
        out[:, nb - 1] = B
        return out.reshape(N * nb, d)
    out = np.empty((nb, N, d))
    out[0] = A
    out[1] = B
    out[2:d + 2] = A[None]
    out[2 + diag, :, diag] = B.T
    if second_order:
        out[d + 2:] = B[None]
        out[d + 2 + diag, :, diag] = A.T
    return out.reshape(nb * N, d)


def saltelli_design(
    N: int,
    d: int,
    *,
    seed: SeedLike = None,
    second_order: bool = False,
    base: str = "sobol",
    layout: str = "salib",
    skip_values: int | None = None,
    scramble: bool = True,
    names: Sequence[str] | None = None,
) -> SaltelliDesign:
    """Saltelli (2002, 2010) sample for Sobol' indices, in U(0,1)^d.

    Two independent N x d matrices A and B are taken from one base sample of dimension 2d
    (A = first d columns, B = last d columns). For each factor i, A_B^(i) is A with column i
    from B (and, with ``second_order``, B_A^(i) is B with column i from A). Runs: N(d + 2), or
    N(2d + 2) with ``second_order`` (METHODS.md §8.3).

    Parameters
    ----------
    N : int
        Base sample size (>= 2); ideally a power of 2 for ``base="sobol"`` (warned otherwise).
    d : int
        Number of factors (>= 1).
    seed : int, numpy.random.Generator or None
        For ``base="sobol"`` passed to ``scipy.stats.qmc.Sobol(d=2d, scramble=scramble,
        seed=seed)`` exactly as SALib does; for ``base="random"`` to ``numpy.random.default_rng``.
    second_order : bool
        Add the B_A^(i) blocks needed for second-order indices.
    base : {"sobol", "random"}
        Scrambled Sobol' sequence (SALib) or plain Monte Carlo ``default_rng(seed).random((N, 2d))``
        (COINr uses ``runif``).
    layout : {"salib", "blocks"}
        ``"salib"``: rows interleaved per base point ``[A, AB_1..AB_d, (BA_1..BA_d), B]`` --
        identical to ``SALib.sample.sobol.sample(problem, N, calc_second_order=second_order,
        scramble=scramble, skip_values=skip_values, seed=seed)`` with bounds [0, 1].
        ``"blocks"``: COINr's ``[A; B; A_B^(1); ...; A_B^(d)]`` (then the B_A blocks).
    skip_values : int or None
        Sobol' points to skip (``fast_forward``) before drawing; 0/None skips none. As in SALib,
        warns unless it is a power of 2 and unless N <= skip_values (SciPy PR 10844).
    scramble : bool
        Scramble the Sobol' sequence (LMS + digital shift).
    names : sequence of str, optional
        Factor names (default ``x1 .. xd``).

    Returns
    -------
    SaltelliDesign

    References
    ----------
    Saltelli (2002) CPC 145:280; Saltelli et al. (2010) CPC 181:259; SALib 1.6
    ``SALib/sample/sobol.py``; COINr ``SA_sample`` (Becker et al. 2022).

    Examples
    --------
    >>> des = saltelli_design(8, 3, seed=42)
    >>> des.X.shape, des.runs
    ((40, 3), 40)
    >>> bool(np.array_equal(des.X[1, 1:], des.X[0, 1:]))  # AB_1 equals A outside column 1
    True
    """
    N = _count(N, "N (base sample size)", 2)
    d = _count(d, "d (number of factors)", 1)
    if base not in BASES:
        raise unknown_name("Saltelli base sample", base, BASES)
    if layout not in LAYOUTS:
        raise unknown_name("Saltelli layout", layout, LAYOUTS)
    if skip_values is None:
        skip = 0
    else:
        if isinstance(skip_values, bool):
            raise SpecError(f"skip_values must be a non-negative integer, got {skip_values!r}")
        try:
            skip = operator.index(skip_values)
        except TypeError:
            raise SpecError(
                f"skip_values must be a non-negative integer, got {skip_values!r}"
            ) from None
        if skip < 0:
            raise SpecError(f"skip_values must be a non-negative integer, got {skip}")
    if skip and base != "sobol":
        raise SpecError("skip_values only applies to base='sobol'")
    if names is not None and len(names) != d:
        raise SpecError(f"{len(names)} factor names given for d = {d} factors")

    if base == "sobol":
        if not _is_pow2(N):
            _warn_pow2(N, "N")
        engine = qmc.Sobol(d=2 * d, scramble=bool(scramble), seed=seed)
        if skip > 0:
            # Same checks and warnings as SALib.sample.sobol.sample.
            if not (_is_pow2(skip) and skip != 1):
                warnings.warn(
                    f"skip_values = {skip} is not a power of 2 (> 1): the convergence properties "
                    "of the Sobol' sequence only hold for powers of 2",
                    SamplingWarning,
                    stacklevel=2,
                )
            if int(np.log2(N)) > int(np.log2(skip)):
                warnings.warn(
                    f"N = {N} > skip_values = {skip}: convergence may not be valid",
                    SamplingWarning,
                    stacklevel=2,
                )
            engine.fast_forward(skip)
        base_seq = _sobol_random(engine, N)
    else:
        base_seq = np.random.default_rng(seed).random((N, 2 * d))

    X = _saltelli_matrix(base_seq[:, :d], base_seq[:, d:], bool(second_order), layout)
    return SaltelliDesign(
        X=X, N=N, d=d, second_order=bool(second_order), layout=layout,
        names=tuple(names) if names is not None else (), base=base, scramble=bool(scramble),
        skip_values=skip,
    )
