"""``IndexSpec``: the declarative, plain-data description of how an index is built.

A spec names, for the indicator level, the outlier treatment, imputation and normalisation,
and for every aggregation level the weighting scheme and the aggregation method; plus the
rank ties rule and the tiering of the index. It round-trips through YAML/JSON, so a spec
can be diffed, stored in result attributes and varied by the uncertainty engine.

YAML layout (all keys optional; defaults shown)::

    impute:    {method: none}                    # none|mean|median|group_mean|group_median|knn|iterative
    treat:     {method: none}                    # none|coinr (winmax, skew_thresh, kurt_thresh, fallback)
    normalise: {method: minmax, range: [0, 100]} # minmax|zscore|goalposts|rank|percentile|...;
                                                 #   optional transform: log|log_shift|boxcox first
    weights:   {method: meta}                    # meta|equal|entropy|pca|critic|cv|std|ahp|bod|user|combined
    aggregate: {method: arithmetic}              # arithmetic|geometric|harmonic|generalised|topsis|copeland
    rank:      {ties: min}
    tiers:     {method: none}                    # none|bands|rank_bands|quantile|jenks|kmeans
    levels:                                      # per-level overrides of weights/aggregate (level 2 = first
      3: {aggregate: {method: geometric}}        #   aggregation level, as in COINr)

``weights`` parameters are those of the weighting functions (e.g. ``prenorm`` for entropy);
``ahp`` takes ``matrices: {parent_code: matrix}``; ``user`` takes ``weights: {code: w}``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._yaml import dump_yaml, load_yaml
from .errors import SpecError, unknown_name

__all__ = ["Step", "IndexSpec", "STEP_METHODS"]

#: Valid method names per step (the kernels' registries are checked against these in tests).
STEP_METHODS: dict[str, tuple[str, ...]] = {
    "impute": ("none", "mean", "median", "group_mean", "group_median", "knn", "iterative"),
    "treat": ("none", "coinr"),
    "normalise": ("none", "minmax", "zscore", "rank", "percentile", "goalposts", "ratio_to_ref",
                  "diff_to_ref", "dist2ref", "dist2targ", "above_below_mean", "categorical"),
    "weights": ("meta", "equal", "entropy", "pca", "critic", "cv", "std", "ahp", "bod", "user",
                "combined"),
    "aggregate": ("arithmetic", "geometric", "harmonic", "generalised", "topsis", "copeland"),
    "tiers": ("none", "bands", "rank_bands", "quantile", "jenks", "kmeans"),
}
_DEFAULTS: dict[str, dict] = {
    "impute": {"method": "none"},
    "treat": {"method": "none"},
    "normalise": {"method": "minmax", "range": [0.0, 100.0]},
    "weights": {"method": "meta"},
    "aggregate": {"method": "arithmetic"},
    "tiers": {"method": "none"},
}
_RANK_TIES = ("min", "max", "average", "dense", "ordinal")
_LEVEL_STEPS = ("weights", "aggregate")


@dataclass(frozen=True)
class Step:
    """One step of the pipeline: a method name and its parameters (plain data)."""

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, kind: str, value: Any) -> Step:
        if isinstance(value, Step):
            step = value
        elif isinstance(value, str):
            step = cls(value, {})
        elif isinstance(value, Mapping):
            if "method" not in value:
                raise SpecError(f"spec step {kind!r} needs a 'method' (one of {', '.join(STEP_METHODS[kind])})")
            params = {k: v for k, v in value.items() if k != "method"}
            step = cls(str(value["method"]), params)
        else:
            raise SpecError(f"spec step {kind!r} must be a method name or a mapping, got {value!r}")
        if step.method not in STEP_METHODS[kind]:
            raise unknown_name(f"{kind} method", step.method, STEP_METHODS[kind])
        return cls(step.method, dict(step.params))

    def to_dict(self) -> dict:
        return {"method": self.method, **copy.deepcopy(dict(self.params))}


@dataclass(frozen=True)
class IndexSpec:
    """Declarative description of an index build (see the module docstring for the layout).

    Examples
    --------
    >>> spec = IndexSpec.from_dict({"weights": {"method": "entropy", "prenorm": "minmax"},
    ...                             "aggregate": "geometric"})
    >>> spec.step("weights", level=2).method, spec.step("aggregate", level=3).method
    ('entropy', 'geometric')
    >>> IndexSpec.from_yaml(spec.to_yaml()) == spec
    True
    """

    impute: Step = field(default_factory=lambda: Step("none"))
    treat: Step = field(default_factory=lambda: Step("none"))
    normalise: Step = field(default_factory=lambda: Step("minmax", {"range": [0.0, 100.0]}))
    weights: Step = field(default_factory=lambda: Step("meta"))
    aggregate: Step = field(default_factory=lambda: Step("arithmetic"))
    tiers: Step = field(default_factory=lambda: Step("none"))
    ties: str = "min"
    levels: Mapping[int, Mapping[str, Step]] = field(default_factory=dict)

    def __post_init__(self):
        for kind in _DEFAULTS:
            object.__setattr__(self, kind, Step.parse(kind, getattr(self, kind)))
        if self.ties not in _RANK_TIES:
            raise unknown_name("rank ties rule", self.ties, _RANK_TIES)
        levels: dict[int, dict[str, Step]] = {}
        for lev, steps in dict(self.levels).items():
            try:
                lev_i = int(lev)
            except (TypeError, ValueError):
                raise SpecError(f"levels keys must be level numbers (2 = first aggregation), got {lev!r}") from None
            if lev_i < 2:
                raise SpecError(f"level {lev_i}: overrides apply to aggregation levels (>= 2)")
            if not isinstance(steps, Mapping):
                raise SpecError(f"level {lev_i}: expected a mapping of steps, got {steps!r}")
            bad = set(steps) - set(_LEVEL_STEPS)
            if bad:
                raise SpecError(f"level {lev_i}: only {', '.join(_LEVEL_STEPS)} can vary by level, got {sorted(bad)}")
            levels[lev_i] = {k: Step.parse(k, v) for k, v in steps.items()}
        object.__setattr__(self, "levels", dict(sorted(levels.items())))
        if self.normalise.method == "none" and self.aggregate.method == "geometric":
            pass  # checked on the data at build time

    # ------------------------------------------------------------------ access
    def step(self, kind: str, level: int | None = None) -> Step:
        """The step ``kind`` in force at ``level`` (level overrides first)."""
        if level is not None and kind in self.levels.get(level, {}):
            return self.levels[level][kind]
        return getattr(self, kind)

    def replace(self, **changes) -> IndexSpec:
        d = self.to_dict()
        d.update({k: (v.to_dict() if isinstance(v, Step) else v) for k, v in changes.items()})
        return IndexSpec.from_dict(d)

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict:
        out: dict[str, Any] = {k: getattr(self, k).to_dict() for k in _DEFAULTS}
        out["rank"] = {"ties": self.ties}
        if self.levels:
            out["levels"] = {lev: {k: s.to_dict() for k, s in steps.items()} for lev, steps in self.levels.items()}
        return out

    @classmethod
    def from_dict(cls, d: Mapping | None) -> IndexSpec:
        d = dict(d or {})
        allowed = set(_DEFAULTS) | {"rank", "levels"}
        unknown = set(d) - allowed
        if unknown:
            raise SpecError(f"unknown spec keys {sorted(unknown)}; valid keys are {sorted(allowed)}")
        kwargs: dict[str, Any] = {k: d[k] for k in _DEFAULTS if k in d}
        rank = d.get("rank") or {}
        if not isinstance(rank, Mapping):
            raise SpecError(f"'rank' must be a mapping like {{ties: min}}, got {rank!r}")
        kwargs["ties"] = rank.get("ties", "min")
        kwargs["levels"] = d.get("levels") or {}
        return cls(**kwargs)

    def to_yaml(self, path: str | Path | None = None) -> str:
        return dump_yaml(self.to_dict(), path)

    @classmethod
    def from_yaml(cls, source: str | Path) -> IndexSpec:
        d = load_yaml(source, SpecError, "spec")
        if d is not None and not isinstance(d, Mapping):
            raise SpecError("a spec YAML must be a mapping of steps (normalise, weights, ...)")
        return cls.from_dict(d)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> IndexSpec:
        return cls.from_dict(json.loads(text))
