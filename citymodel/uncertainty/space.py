"""``ScenarioSpace``: the uncertain modelling choices, as plain data.

Each factor maps a U(0, 1) draw to a value; every factor is drawn in every run, so the
space has a fixed dimension ``d`` (as the Handbook's Step 7 and COINr require).

* :class:`Choice` ("trigger"): one of several alternatives for a pipeline step
  (normalisation, weighting, aggregation, imputation, outlier treatment, or the AHP
  judgments of different experts). Fixed equal-width bins: alternative
  ``min(floor(u * L), L - 1)`` (Saisana et al. 2005 "Russian roulette"); COINr's
  ``cut`` over the observed range of the sampled column is available as
  ``discrete_binning="coinr"``.
* :class:`Exclusion`: drop none (probability 1/(Q+1)) or one of Q indicators; the
  remaining weights are re-normalised within their parents.
* :class:`WeightNoise`: multiplicative noise ``w * (1 + a (2U - 1))`` on the framework
  weights of the nodes at one level (COINr ``get_noisy_weights``), re-normalised within each
  parent. As in COINr, ``replicates`` noisy weight sets are drawn once from the space's seed
  and the factor selects one of them, which keeps the dimension fixed. The noise acts where
  the weighting is ``meta`` (the framework's weights); binding a space in which no scenario
  uses ``meta`` at that level is an error, since the factor would do nothing.
* :class:`AHPPerturbation`: each judgment of the spec's AHP matrices moved by up to
  ``steps`` positions on the Saaty scale (reciprocity kept); ``replicates`` perturbed sets.
* :class:`GoalpostShift`: both goalposts of every indicator shifted by
  ``(2u - 1) * fraction * (U - L)`` (continuous).
* :class:`Bootstrap`: data-driven weights are estimated on a bootstrap resample of the
  cities (``replicates`` resamples); scores are computed for all cities.

Factors are referred to by their validated names; an unknown name gets an error listing
the valid ones.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from .._yaml import dump_yaml, load_yaml
from ..errors import SpecError, unknown_name
from ..framework import Framework
from ..spec import IndexSpec, Step

__all__ = [
    "Factor", "Choice", "Exclusion", "WeightNoise", "AHPPerturbation", "GoalpostShift", "Bootstrap",
    "ScenarioSpace", "BoundSpace", "Scenario", "FACTOR_TYPES", "SAATY_SCALE",
]

#: The 17 positions of Saaty's 1-9 scale, from 1/9 to 9.
SAATY_SCALE = np.array([1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9])


def _bin(u: np.ndarray, n: int) -> np.ndarray:
    """Fixed equal-width bins of U(0, 1): index ``min(floor(u n), n - 1)``."""
    return np.minimum(np.floor(np.asarray(u, dtype=float) * n).astype(int), n - 1)


@dataclass(frozen=True)
class Factor:
    """Base class: a named uncertain input driven by one U(0, 1) column."""

    name: str
    kind: ClassVar[str] = "factor"

    @property
    def n_levels(self) -> int | None:
        """Number of discrete levels, or ``None`` for a continuous factor."""
        return None

    def to_dict(self) -> dict:
        d = {"type": self.kind}
        for f in fields(self):
            v = getattr(self, f.name)
            d[f.name] = list(v) if isinstance(v, tuple) else v
        return d


@dataclass(frozen=True)
class Choice(Factor):
    """A discrete choice among alternatives for one pipeline step.

    Parameters
    ----------
    name : str
    step : {"impute", "treat", "normalise", "weights", "aggregate"}
    alternatives : sequence of step values (a method name or ``{method: ..., params...}``)
    level : int, optional
        For ``weights``/``aggregate``: the aggregation level it applies to (default all).
    labels : sequence of str, optional
        Short labels of the alternatives (default: the method names).
    """

    step: str = "normalise"
    alternatives: tuple = ()
    level: int | None = None
    labels: tuple | None = None
    kind: ClassVar[str] = "choice"

    def __post_init__(self):
        if self.step not in ("impute", "treat", "normalise", "weights", "aggregate"):
            raise unknown_name("choice step", self.step, ("impute", "treat", "normalise", "weights", "aggregate"))
        alts = tuple(self.alternatives)
        if len(alts) < 2:
            raise SpecError(
                f"factor {self.name!r} has {len(alts)} alternative(s); a discrete factor needs at least 2 "
                "(remove it from the space if the choice is fixed)"
            )
        parsed = tuple(Step.parse(self.step, a) for a in alts)
        object.__setattr__(self, "alternatives", tuple(_plain(a) for a in alts))
        object.__setattr__(self, "_steps", parsed)
        if self.level is not None and self.step not in ("weights", "aggregate"):
            raise SpecError(f"factor {self.name!r}: 'level' applies only to weights/aggregate choices")
        labels = tuple(self.labels) if self.labels is not None else tuple(s.method for s in parsed)
        if len(labels) != len(alts):
            raise SpecError(f"factor {self.name!r}: {len(labels)} labels for {len(alts)} alternatives")
        if len(set(labels)) != len(labels):
            labels = tuple(f"{lab}#{i}" for i, lab in enumerate(labels))
        object.__setattr__(self, "labels", labels)

    @property
    def n_levels(self) -> int:
        return len(self.alternatives)


@dataclass(frozen=True)
class Exclusion(Factor):
    """Exclude none or one indicator: bins of width 1/(Q+1), bin 0 = none."""

    name: str = "exclusion"
    candidates: tuple | None = None
    kind: ClassVar[str] = "exclusion"

    def __post_init__(self):
        if self.candidates is not None:
            object.__setattr__(self, "candidates", tuple(str(c) for c in self.candidates))


@dataclass(frozen=True)
class WeightNoise(Factor):
    """COINr-style noisy weights at one level: ``w (1 + a (2U - 1))``, ``replicates`` draws."""

    name: str = "weight_noise"
    level: int = 2
    amplitude: float = 0.25
    replicates: int = 1000
    kind: ClassVar[str] = "weight_noise"

    def __post_init__(self):
        if not 0 <= self.amplitude < 1:
            raise SpecError(f"factor {self.name!r}: amplitude must be in [0, 1), got {self.amplitude}")
        if self.replicates < 2:
            raise SpecError(f"factor {self.name!r}: replicates must be >= 2")

    @property
    def n_levels(self) -> int:
        return int(self.replicates)


@dataclass(frozen=True)
class AHPPerturbation(Factor):
    """Perturb the spec's AHP judgments by up to ``steps`` positions on the Saaty scale."""

    name: str = "ahp_perturbation"
    steps: int = 1
    replicates: int = 1000
    kind: ClassVar[str] = "ahp_perturbation"

    @property
    def n_levels(self) -> int:
        return int(self.replicates)


@dataclass(frozen=True)
class GoalpostShift(Factor):
    """Shift both goalposts by ``(2u - 1) * fraction * (U - L)`` (continuous)."""

    name: str = "goalpost_shift"
    fraction: float = 0.1
    kind: ClassVar[str] = "goalpost_shift"


@dataclass(frozen=True)
class Bootstrap(Factor):
    """Estimate data-driven weights on a bootstrap resample of cities (``replicates`` resamples)."""

    name: str = "bootstrap"
    replicates: int = 1000
    kind: ClassVar[str] = "bootstrap"

    @property
    def n_levels(self) -> int:
        return int(self.replicates)


FACTOR_TYPES: dict[str, type[Factor]] = {
    c.kind: c for c in (Choice, Exclusion, WeightNoise, AHPPerturbation, GoalpostShift, Bootstrap)
}


def _plain(v):
    if isinstance(v, Step):
        return v.to_dict()
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


@dataclass(frozen=True)
class Scenario:
    """One evaluated configuration: spec, framework, indicator subset and weight rows."""

    spec: IndexSpec
    framework: Framework
    keep: np.ndarray  # indicator positions kept (framework order of the base framework)
    weight_rows: np.ndarray | None
    labels: dict


@dataclass(frozen=True)
class ScenarioSpace:
    """A set of named uncertain factors; plain data with a YAML round trip.

    Examples
    --------
    >>> space = ScenarioSpace([
    ...     Choice("normalisation", "normalise", [{"method": "minmax", "range": [1, 100]},
    ...                                           {"method": "zscore", "mean": 10, "sd": 2}]),
    ...     Choice("aggregation", "aggregate", ["arithmetic", "geometric"]),
    ...     WeightNoise("noise_l2", level=2, amplitude=0.25),
    ... ])
    >>> space.names, space.d
    (['normalisation', 'aggregation', 'noise_l2'], 3)
    >>> ScenarioSpace.from_yaml(space.to_yaml()) == space
    True
    """

    factors: tuple = ()
    seed: int = 0
    discrete_binning: str = "fixed"

    def __post_init__(self):
        fs = tuple(self.factors)
        if not fs:
            raise SpecError("a scenario space needs at least one factor")
        for f in fs:
            if not isinstance(f, Factor):
                raise SpecError(f"factors must be Factor objects (Choice, Exclusion, ...), got {f!r}")
        names = [f.name for f in fs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SpecError(f"duplicate factor names {dup}; every factor needs its own name")
        if self.discrete_binning not in ("fixed", "coinr"):
            raise unknown_name("discrete binning", self.discrete_binning, ("fixed", "coinr"))
        object.__setattr__(self, "factors", fs)

    # ------------------------------------------------------------------ access
    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def d(self) -> int:
        return len(self.factors)

    def __getitem__(self, name: str) -> Factor:
        for f in self.factors:
            if f.name == name:
                return f
        raise unknown_name("factor", name, self.names)

    def to_problem(self) -> dict:
        """The SALib problem dict (all factors U(0, 1); the space maps them to values)."""
        return {"num_vars": self.d, "names": self.names, "bounds": [[0.0, 1.0]] * self.d,
                "dists": ["unif"] * self.d}

    def to_problem_spec(self):
        """A ``SALib.ProblemSpec`` for this space."""
        from SALib import ProblemSpec

        return ProblemSpec(self.to_problem())

    def min_runs(self) -> int:
        """Smallest sensible number of uncertainty runs: enough to visit every discrete level twice."""
        lv = [f.n_levels for f in self.factors if f.n_levels is not None and not isinstance(f, (WeightNoise, AHPPerturbation, Bootstrap))]
        return max([2 * self.d] + [2 * n for n in lv])

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict:
        return {"seed": self.seed, "discrete_binning": self.discrete_binning,
                "factors": [f.to_dict() for f in self.factors]}

    @classmethod
    def from_dict(cls, d: Mapping) -> ScenarioSpace:
        if not isinstance(d, Mapping) or "factors" not in d:
            raise SpecError("a scenario space needs a 'factors' list")
        unknown = set(d) - {"factors", "seed", "discrete_binning"}
        if unknown:
            raise SpecError(f"unknown scenario-space keys {sorted(unknown)}; valid: factors, seed, discrete_binning")
        factors = []
        for i, fd in enumerate(d["factors"]):
            if not isinstance(fd, Mapping) or "type" not in fd:
                raise SpecError(f"factor {i + 1}: needs a 'type' ({', '.join(FACTOR_TYPES)})")
            fd = dict(fd)
            t = fd.pop("type")
            if t not in FACTOR_TYPES:
                raise unknown_name("factor type", t, FACTOR_TYPES)
            cls_ = FACTOR_TYPES[t]
            valid = {f.name for f in fields(cls_)}
            bad = set(fd) - valid
            if bad:
                raise SpecError(f"factor {fd.get('name', i + 1)!r} ({t}): unknown keys {sorted(bad)}; "
                                f"valid: {sorted(valid)}")
            if "alternatives" in fd:
                fd["alternatives"] = tuple(fd["alternatives"])
            factors.append(cls_(**fd))
        return cls(tuple(factors), seed=int(d.get("seed", 0)),
                   discrete_binning=str(d.get("discrete_binning", "fixed")))

    def to_yaml(self, path: str | Path | None = None) -> str:
        return dump_yaml(self.to_dict(), path)

    @classmethod
    def from_yaml(cls, source: str | Path) -> ScenarioSpace:
        return cls.from_dict(load_yaml(source, SpecError, "scenario-space"))

    def bind(self, framework: Framework, spec: IndexSpec, n_cities: int) -> BoundSpace:
        """Validate against a framework and base spec; draw the replicates from ``seed``."""
        return BoundSpace(self, framework, spec, n_cities)


def _level_index(u: np.ndarray, n: int, binning: str) -> np.ndarray:
    u = np.asarray(u, dtype=float)
    if binning == "fixed":
        return _bin(u, n)
    # COINr: R cut(u, n): n equal bins over the observed range, ends widened by 0.1 %
    lo, hi = float(np.min(u)), float(np.max(u))
    if hi <= lo:
        return np.zeros(u.shape, dtype=int)
    width = hi - lo
    edges = np.linspace(lo - 0.001 * width, hi + 0.001 * width, n + 1)
    return np.clip(np.searchsorted(edges, u, side="left") - 1, 0, n - 1)


class BoundSpace:
    """A :class:`ScenarioSpace` bound to a framework, a base spec and the number of cities.

    Maps rows of U(0, 1) draws to :class:`Scenario` objects. Replicate sets (noisy weights,
    perturbed AHP matrices, bootstrap resamples) are drawn once here from ``space.seed``, so
    every chunk and every worker sees the same scenarios for the same rows.
    """

    def __init__(self, space: ScenarioSpace, framework: Framework, spec: IndexSpec, n_cities: int):
        self.space, self.framework, self.spec, self.n_cities = space, framework, spec, int(n_cities)
        rng = np.random.default_rng(space.seed)
        self._noise: dict[str, list[dict]] = {}
        #: per WeightNoise factor: (node codes, array (replicates, codes) of noisy raw weights)
        self.noise_tables: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
        self._ahp: dict[str, list[dict]] = {}
        self._boot: dict[str, np.ndarray] = {}  # per Bootstrap factor: (replicates, cities) rows
        inds = framework.indicators
        for f in space.factors:
            if isinstance(f, Choice):
                if f.level is not None and not 2 <= f.level <= framework.n_levels:
                    raise SpecError(f"factor {f.name!r}: level {f.level} is not an aggregation level "
                                    f"(2..{framework.n_levels})")
            elif isinstance(f, Exclusion):
                cands = f.candidates or tuple(inds)
                bad = [c for c in cands if c not in inds]
                if bad:
                    raise SpecError(f"factor {f.name!r}: {bad} are not indicators of the framework")
            elif isinstance(f, WeightNoise):
                lv = framework.levels()
                if f.level not in lv or f.level >= framework.n_levels:
                    raise SpecError(
                        f"factor {f.name!r}: level {f.level} has no weights to perturb; valid levels are "
                        f"1..{framework.n_levels - 1} (1 = indicators)")
                used = {spec.step("weights", f.level + 1).method}
                for g in space.factors:
                    if isinstance(g, Choice) and g.step == "weights" and g.level in (None, f.level + 1):
                        used |= {st.method for st in g._steps}
                if "meta" not in used:
                    raise SpecError(
                        f"factor {f.name!r} perturbs the framework weights of level {f.level}, but no "
                        f"scenario uses them (weighting at level {f.level + 1}: {sorted(used)}); "
                        "use weights: {method: meta} in the spec or as a choice alternative")
                codes = lv[f.level]
                base = np.array([framework[c].weight for c in codes])
                noisy = base * (1 + f.amplitude * (2 * rng.random((f.replicates, len(codes))) - 1))
                self._noise[f.name] = [dict(zip(codes, row.tolist(), strict=True)) for row in noisy]
                self.noise_tables[f.name] = (tuple(codes), noisy)
            elif isinstance(f, AHPPerturbation):
                mats = self._ahp_matrices(spec)
                if not mats:
                    raise SpecError(f"factor {f.name!r}: the base spec has no AHP matrices to perturb "
                                    "(weights: {method: ahp, matrices: {...}})")
                self._ahp[f.name] = [
                    {node: _perturb_saaty(np.asarray(A, dtype=float), f.steps, rng) for node, A in mats.items()}
                    for _ in range(f.replicates)
                ]
            elif isinstance(f, GoalpostShift):
                gp = framework.goalposts
                if gp.isna().any().any():
                    raise SpecError(f"factor {f.name!r}: every indicator needs goalposts (Lower/Upper)")
            elif isinstance(f, Bootstrap):
                self._boot[f.name] = rng.integers(0, self.n_cities, size=(f.replicates, self.n_cities))

    @staticmethod
    def _ahp_matrices(spec: IndexSpec) -> dict:
        steps = [spec.weights] + [lv["weights"] for lv in spec.levels.values() if "weights" in lv]
        out = {}
        for s in steps:
            if s.method == "ahp":
                out.update({k: np.asarray(v, dtype=float) for k, v in dict(s.params.get("matrices", {})).items()})
        return out

    def decode(self, U: np.ndarray) -> pd.DataFrame:
        """Factor values of each run (labels for discrete factors, shifts for continuous)."""
        U = np.atleast_2d(np.asarray(U, dtype=float))
        if U.shape[1] != self.space.d:
            raise SpecError(f"draws have {U.shape[1]} columns but the space has {self.space.d} factors")
        cols = {}
        for j, f in enumerate(self.space.factors):
            u = U[:, j]
            if isinstance(f, Choice):
                cols[f.name] = np.asarray(f.labels, dtype=object)[_level_index(u, f.n_levels, self.space.discrete_binning)]
            elif isinstance(f, Exclusion):
                cands = f.candidates or tuple(self.framework.indicators)
                k = _level_index(u, len(cands) + 1, self.space.discrete_binning)
                cols[f.name] = np.asarray(("none",) + tuple(cands), dtype=object)[k]
            elif isinstance(f, GoalpostShift):
                cols[f.name] = (2 * u - 1) * f.fraction
            else:
                cols[f.name] = _level_index(u, f.n_levels, self.space.discrete_binning)
        return pd.DataFrame(cols)

    def scenarios(self, U: np.ndarray) -> list[Scenario]:
        """The :class:`Scenario` of each row of ``U`` (runs, d)."""
        dec = self.decode(U)
        cols = {c: dec[c].to_numpy() for c in dec.columns}
        out = []
        base_spec = self.spec.to_dict()
        inds = self.framework.indicators
        for r in range(len(dec)):
            spec_d = _copy(base_spec)
            fw = self.framework
            weights: dict[str, float] = {}
            drop = None
            shift = 0.0
            weight_rows = None
            labels = {}
            for f in self.space.factors:
                v = cols[f.name][r]
                labels[f.name] = v if not isinstance(v, (np.integer, np.floating)) else v.item()
                if isinstance(f, Choice):
                    alt = f._steps[list(f.labels).index(v)].to_dict()
                    if f.level is None:
                        spec_d[f.step] = alt
                        for lev in spec_d.get("levels", {}).values():
                            lev.pop(f.step, None)
                    else:
                        spec_d.setdefault("levels", {}).setdefault(f.level, {})[f.step] = alt
                elif isinstance(f, Exclusion):
                    drop = None if v == "none" else v
                elif isinstance(f, WeightNoise):
                    weights.update(self._noise[f.name][int(v)])
                elif isinstance(f, AHPPerturbation):
                    _set_ahp(spec_d, self._ahp[f.name][int(v)])
                elif isinstance(f, GoalpostShift):
                    shift = float(v)
                elif isinstance(f, Bootstrap):
                    weight_rows = self._boot[f.name][int(v)]
            if weights:
                fw = fw.with_weights(weights)
            if shift:
                gp = fw.goalposts
                span = gp["upper"] - gp["lower"]
                nodes = [replace(n, lower=n.lower + shift * span[n.code], upper=n.upper + shift * span[n.code])
                         if n.code in span.index else n for n in fw.nodes]
                fw = Framework(nodes, name=fw.name, description=fw.description)
            keep = np.arange(len(inds))
            if drop is not None:
                fw = fw.drop_indicators([drop])
                keep = np.array([i for i, c in enumerate(inds) if c != drop])
            out.append(Scenario(IndexSpec.from_dict(spec_d), fw, keep, weight_rows, labels))
        return out


def _copy(d):
    return copy.deepcopy(d) if d else {}


def _set_ahp(spec_d: dict, mats: Mapping[str, np.ndarray]) -> None:
    steps = [spec_d.get("weights", {})] + [lv.get("weights", {}) for lv in spec_d.get("levels", {}).values()]
    for s in steps:
        if isinstance(s, dict) and s.get("method") == "ahp":
            s["matrices"] = {k: (mats[k].tolist() if k in mats else v) for k, v in s.get("matrices", {}).items()}


def _perturb_saaty(A: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Move each upper-triangle judgment by a uniform integer in [-k, k] scale positions."""
    n = A.shape[0]
    B = np.ones_like(A)
    iu = np.triu_indices(n, 1)
    pos = np.abs(np.log(SAATY_SCALE)[None, :] - np.log(A[iu])[:, None]).argmin(axis=1)
    new = np.clip(pos + rng.integers(-k, k + 1, size=pos.size), 0, SAATY_SCALE.size - 1)
    B[iu] = SAATY_SCALE[new]
    B[(iu[1], iu[0])] = 1.0 / SAATY_SCALE[new]
    return B
