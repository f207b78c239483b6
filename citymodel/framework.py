"""The indicator framework: a tree indicator -> sub-pillar -> pillar -> index.

A :class:`Framework` holds the hierarchy (any depth), a weight per node and a
direction (+1 higher is better, -1 lower is better) per indicator, optional goalposts
(``lower``/``upper``) and units/sources. It is plain data: it loads from and saves to
YAML (a nested tree) and loads from a COINr-style metadata table
(``iCode, iName, Level, Parent, Weight, Direction, Type`` with optional ``Lower, Upper``).

Levels follow COINr: indicators are level 1 and each parent is one above its highest
child, so the index has the highest level.

Effective weights (COINr ``get_eff_weights``): weights are normalised to sum to one
within each parent and multiplied down the path from the root.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ._yaml import dump_yaml, load_yaml
from .errors import FrameworkError

__all__ = ["Node", "Framework"]

_INDICATOR_FIELDS = ("direction", "unit", "source", "lower", "upper")


@dataclass(frozen=True)
class Node:
    """One node of the framework tree.

    Parameters
    ----------
    code : str
        Unique code (``iCode``).
    name : str
        Human-readable name.
    parent : str or None
        Code of the parent node; ``None`` for the root (the index).
    weight : float
        Weight relative to its siblings (normalised within the parent when used).
    direction : int
        +1 if higher values are better, -1 if lower are better (indicators only).
    unit, source : str
        Unit of measurement and data source (indicators only).
    lower, upper : float or None
        Goalposts for the ``goalposts`` normalisation (indicators only).
    """

    code: str
    name: str = ""
    parent: str | None = None
    weight: float = 1.0
    direction: int = 1
    unit: str = ""
    source: str = ""
    lower: float | None = None
    upper: float | None = None


def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


@dataclass(frozen=True)
class Framework:
    """Indicator hierarchy with weights, directions and goalposts.

    Build it with :meth:`from_dict`, :meth:`from_yaml`, :meth:`from_table` or
    :meth:`from_tree`. Nodes keep their order: indicators appear in the order given.

    Examples
    --------
    >>> fw = Framework.from_tree({"Index": {"P1": ["a", "b"], "P2": ["c"]}})
    >>> fw.indicators
    ['a', 'b', 'c']
    >>> fw.effective_weights().round(3).tolist()
    [0.25, 0.25, 0.5]
    """

    nodes: tuple[Node, ...]
    name: str = ""
    description: str = ""
    _index: dict = field(default=None, init=False, repr=False, compare=False)
    _children: dict = field(default=None, init=False, repr=False, compare=False)
    _levels: dict = field(default=None, init=False, repr=False, compare=False)
    _aggregates: tuple = field(default=None, init=False, repr=False, compare=False)
    _indicators: tuple = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "nodes", tuple(self.nodes))
        self._validate()
        # canonical order: depth first from the root, siblings in the order given, so that
        # equal trees compare equal whatever order they were read in
        kids: dict[str | None, list[Node]] = {}
        for n in self.nodes:
            kids.setdefault(n.parent, []).append(n)
        ordered: list[Node] = []
        stack = [kids[None][0]]
        while stack:
            n = stack.pop()
            ordered.append(n)
            stack.extend(reversed(kids.get(n.code, [])))
        object.__setattr__(self, "nodes", tuple(ordered))
        # derived structure, computed once (the tree is immutable)
        kid_codes = {n.code: [] for n in ordered}
        for n in ordered:
            if n.parent is not None:
                kid_codes[n.parent].append(n.code)
        levels: dict[str, int] = {}
        for n in reversed(ordered):  # children come after their parent in depth-first order
            kids = kid_codes[n.code]
            levels[n.code] = 1 if not kids else 1 + max(levels[k] for k in kids)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in kid_codes.items()})
        object.__setattr__(self, "_levels", levels)
        object.__setattr__(self, "_index", {n.code: n for n in ordered})
        agg = [n.code for n in ordered if kid_codes[n.code]]
        object.__setattr__(self, "_aggregates", tuple(sorted(agg, key=lambda c: (levels[c], agg.index(c)))))
        object.__setattr__(self, "_indicators", tuple(n.code for n in ordered if not kid_codes[n.code]))

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        if not self.nodes:
            raise FrameworkError("the framework has no nodes")
        index: dict[str, Node] = {}
        for n in self.nodes:
            if not isinstance(n.code, str) or not n.code:
                raise FrameworkError(f"node code must be a non-empty string, got {n.code!r}")
            if n.code in index:
                raise FrameworkError(f"duplicate node code {n.code!r}; codes must be unique")
            index[n.code] = n
        object.__setattr__(self, "_index", index)
        roots = [n.code for n in self.nodes if n.parent is None]
        if len(roots) != 1:
            raise FrameworkError(
                f"the framework must have exactly one root (a node without parent); found "
                f"{len(roots)}: {roots}. Give every node except the index a parent."
            )
        for n in self.nodes:
            if n.parent is not None and n.parent not in index:
                raise FrameworkError(
                    f"node {n.code!r} has parent {n.parent!r}, which is not a node of the framework"
                )
            w = n.weight
            if not isinstance(w, (int, float, np.integer, np.floating)) or not np.isfinite(w):
                raise FrameworkError(f"weight of {n.code!r} is {w!r}; weights must be finite numbers")
            if w < 0:
                raise FrameworkError(f"weight of {n.code!r} is negative ({w}); weights must be >= 0")
            if n.direction not in (1, -1):
                raise FrameworkError(
                    f"direction of {n.code!r} is {n.direction!r}; use 1 (higher is better) "
                    "or -1 (lower is better)"
                )
            if n.lower is not None and n.upper is not None and not n.lower < n.upper:
                raise FrameworkError(
                    f"goalposts of {n.code!r}: lower ({n.lower}) must be below upper ({n.upper})"
                )
        # cycles: walk up from every node
        for n in self.nodes:
            seen = {n.code}
            p = n.parent
            while p is not None:
                if p in seen:
                    raise FrameworkError(f"the framework has a cycle through {p!r}")
                seen.add(p)
                p = index[p].parent
        kid_weight: dict[str, float] = {}
        for n in self.nodes:
            if n.parent is not None:
                kid_weight[n.parent] = kid_weight.get(n.parent, 0.0) + float(n.weight)
        for code, total in kid_weight.items():
            if total <= 0:
                raise FrameworkError(
                    f"all children of {code!r} have weight 0; at least one must be positive"
                )

    # ------------------------------------------------------------------ structure
    def __getitem__(self, code: str) -> Node:
        try:
            return self._index[code]
        except KeyError:
            raise FrameworkError(
                f"unknown node {code!r}; nodes are: {', '.join(self.codes)}"
            ) from None

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def codes(self) -> list[str]:
        return [n.code for n in self.nodes]

    @property
    def root(self) -> str:
        return next(n.code for n in self.nodes if n.parent is None)

    def children(self, code: str) -> list[str]:
        """Codes of the direct children of ``code`` in framework order."""
        if self._children is None:  # during validation, before the structure is cached
            self[code]
            return [n.code for n in self.nodes if n.parent == code]
        try:
            return list(self._children[code])
        except KeyError:
            self[code]  # raises FrameworkError naming the valid codes
            raise

    @property
    def indicators(self) -> list[str]:
        """Leaf codes (indicators), in framework order."""
        if self._indicators is not None:
            return list(self._indicators)
        parents = {n.parent for n in self.nodes}
        return [n.code for n in self.nodes if n.code not in parents]

    @property
    def aggregates(self) -> list[str]:
        """Non-leaf codes, children before parents (the order of aggregation)."""
        if self._aggregates is not None:
            return list(self._aggregates)
        parents = {n.parent for n in self.nodes if n.parent is not None}
        agg = [n.code for n in self.nodes if n.code in parents]
        return sorted(agg, key=lambda c: (self.level(c), agg.index(c)))

    def level(self, code: str) -> int:
        """COINr level: 1 for indicators, 1 + the highest child level otherwise."""
        if self._levels is not None and code in self._levels:
            return self._levels[code]
        kids = self.children(code)
        return 1 if not kids else 1 + max(self.level(k) for k in kids)

    @property
    def n_levels(self) -> int:
        return self.level(self.root)

    def levels(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for c in self.codes:
            out.setdefault(self.level(c), []).append(c)
        return dict(sorted(out.items()))

    def path(self, code: str) -> list[str]:
        """Codes from ``code`` up to the root."""
        out = [code]
        while self[out[-1]].parent is not None:
            out.append(self[out[-1]].parent)
        return out

    def descendants(self, code: str) -> list[str]:
        """Indicators (leaves) under ``code``, in framework order."""
        return [i for i in self.indicators if code in self.path(i)]

    @property
    def directions(self) -> pd.Series:
        return pd.Series({i: self[i].direction for i in self.indicators}, name="direction")

    @property
    def goalposts(self) -> pd.DataFrame:
        """Lower/upper goalposts per indicator (NaN where not given)."""
        rows = {
            i: (np.nan if self[i].lower is None else self[i].lower,
                np.nan if self[i].upper is None else self[i].upper)
            for i in self.indicators
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=["lower", "upper"])

    def child_weights(self, code: str) -> np.ndarray:
        """Weights of the children of ``code`` as an array summing to one (framework order)."""
        w = np.array([self._index[k].weight for k in self.children(code)], dtype=float)
        return w / w.sum()

    def weights(self, code: str) -> pd.Series:
        """Weights of the children of ``code``, normalised to sum to one."""
        return pd.Series(self.child_weights(code), index=self.children(code), name=code)

    def effective_weights(self, codes: Sequence[str] | None = None) -> pd.Series:
        """Weight of each node in the index: normalised within parents, multiplied down the path.

        .. math:: w^{eff}_q = \\prod_{v \\in path(q)} w_v / \\sum_{u \\in sib(v)} w_u
        """
        codes = self.indicators if codes is None else list(codes)
        out = {}
        for c in codes:
            w = 1.0
            for v in self.path(c)[:-1]:
                w *= self.weights(self[v].parent)[v]
            out[c] = w
        return pd.Series(out, name="effective_weight")

    # ------------------------------------------------------------------ modification
    def with_weights(self, weights: Mapping[str, float]) -> Framework:
        """Return a copy with some node weights replaced."""
        for k in weights:
            self[k]
        nodes = [replace(n, weight=float(weights.get(n.code, n.weight))) for n in self.nodes]
        return Framework(nodes, name=self.name, description=self.description)

    def drop_indicators(self, codes: Iterable[str]) -> Framework:
        """Return a copy without the given indicators (and any aggregate left empty)."""
        drop = set(codes)
        for c in drop:
            if c not in self.indicators:
                raise FrameworkError(f"{c!r} is not an indicator of the framework")
        nodes = [n for n in self.nodes if n.code not in drop]
        while True:
            parents = {n.parent for n in nodes}
            orig_aggs = set(self.aggregates)
            empty = [n.code for n in nodes if n.code in orig_aggs and n.code not in parents]
            if not empty:
                break
            nodes = [n for n in nodes if n.code not in empty]
        return Framework(nodes, name=self.name, description=self.description)

    def check_indicators(self, columns: Iterable[str], *, where: str = "the data") -> None:
        """Raise :class:`FrameworkError` unless ``columns`` are exactly the framework's indicators."""
        cols = list(columns)
        missing = [i for i in self.indicators if i not in cols]
        extra = [c for c in cols if c not in self.indicators]
        if missing:
            raise FrameworkError(
                f"indicators of the framework missing from {where}: {missing}; add the columns "
                "or remove them from the framework (Framework.drop_indicators)"
            )
        if extra:
            raise FrameworkError(
                f"{where} has indicators that are not in the framework: {extra}; add them to the "
                "framework or drop the columns"
            )

    # ------------------------------------------------------------------ dict / YAML
    def _node_dict(self, code: str) -> dict:
        n = self[code]
        d: dict = {"code": n.code}
        if n.name:
            d["name"] = n.name
        d["weight"] = float(n.weight)
        for f in ("unit", "source"):
            if getattr(n, f):
                d[f] = getattr(n, f)
        kids = self.children(code)
        if kids:
            d["children"] = [self._node_dict(k) for k in kids]
        else:
            d["direction"] = int(n.direction)
            for f in ("lower", "upper"):
                if getattr(n, f) is not None:
                    d[f] = float(getattr(n, f))
        return d

    def to_dict(self) -> dict:
        """Nested plain-data form (the YAML layout)."""
        out: dict = {}
        if self.name:
            out["name"] = self.name
        if self.description:
            out["description"] = self.description
        out["index"] = self._node_dict(self.root)
        return out

    @classmethod
    def from_dict(cls, d: Mapping) -> Framework:
        """Build from the nested form written by :meth:`to_dict`."""
        if "index" not in d:
            raise FrameworkError("framework mapping needs a top-level 'index' node")
        nodes: list[Node] = []

        def walk(nd: Mapping, parent: str | None) -> None:
            if "code" not in nd:
                raise FrameworkError(f"framework node without 'code': {dict(nd)!r}")
            allowed = {"code", "name", "weight", "children", *_INDICATOR_FIELDS}
            unknown = set(nd) - allowed
            if unknown:
                raise FrameworkError(
                    f"node {nd['code']!r} has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
                )
            kids = nd.get("children") or []
            nodes.append(Node(
                code=str(nd["code"]), name=str(nd.get("name", "")), parent=parent,
                weight=_as_float(nd.get("weight", 1.0), nd["code"], "weight"),
                direction=_as_direction(nd.get("direction", 1), nd["code"]),
                unit=str(nd.get("unit", "")), source=str(nd.get("source", "")),
                lower=None if _isnan(nd.get("lower")) else _as_float(nd["lower"], nd["code"], "lower"),
                upper=None if _isnan(nd.get("upper")) else _as_float(nd["upper"], nd["code"], "upper"),
            ))
            for k in kids:
                walk(k, str(nd["code"]))

        walk(d["index"], None)
        return cls(nodes, name=str(d.get("name", "")), description=str(d.get("description", "")))

    @classmethod
    def from_tree(cls, tree: Mapping, *, name: str = "") -> Framework:
        """Build an equal-weight framework from a nested mapping ``{root: {pillar: [indicators]}}``."""
        if len(tree) != 1:
            raise FrameworkError("the tree must have exactly one root key")
        nodes: list[Node] = []

        def walk(code, sub, parent):
            nodes.append(Node(code=str(code), parent=parent))
            if isinstance(sub, Mapping):
                for k, v in sub.items():
                    walk(k, v, str(code))
            elif sub is not None:
                for leaf in sub:
                    nodes.append(Node(code=str(leaf), parent=str(code)))

        (root, sub), = tree.items()
        walk(root, sub, None)
        return cls(nodes, name=name)

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Return the YAML text and, if ``path`` is given, write it there."""
        return dump_yaml(self.to_dict(), path)

    @classmethod
    def from_yaml(cls, source: str | Path) -> Framework:
        """Load from a YAML file path or YAML text."""
        d = load_yaml(source, FrameworkError, "framework")
        if not isinstance(d, Mapping):
            raise FrameworkError("framework YAML must be a mapping with an 'index' node")
        return cls.from_dict(d)

    def to_json(self) -> str:
        """Compact JSON (used to keep the framework in netCDF attributes)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Framework:
        return cls.from_dict(json.loads(text))

    # ------------------------------------------------------------------ COINr tables
    def to_table(self) -> pd.DataFrame:
        """COINr-style metadata table (``iCode, iName, Level, Parent, Weight, Direction, Type, ...``)."""
        leaves = set(self.indicators)
        rows = []
        for n in self.nodes:
            row = asdict(n)
            rows.append({
                "iCode": n.code, "iName": n.name, "Level": self.level(n.code),
                "Parent": n.parent, "Weight": n.weight,
                "Direction": n.direction if n.code in leaves else 1,
                "Type": "Indicator" if n.code in leaves else "Aggregate",
                "Unit": row["unit"], "Source": row["source"],
                "Lower": np.nan if n.lower is None else n.lower,
                "Upper": np.nan if n.upper is None else n.upper,
            })
        return pd.DataFrame(rows)

    @classmethod
    def from_table(cls, table: pd.DataFrame | str | Path, *, name: str = "") -> Framework:
        """Load a COINr-style metadata table (a DataFrame or a CSV/Excel path).

        Required columns ``iCode, Parent``; optional ``iName, Level, Weight, Direction, Type,
        Lower, Upper, Unit, Source``. Rows whose ``Type`` is not ``Indicator`` or ``Aggregate``
        (e.g. COINr's ``Group``, ``Denominator``, ``Other``) are not part of the tree and are
        ignored. The root is the aggregate without a parent; if the table has no such row but
        all top aggregates share one parent code, that code becomes the root. ``Level``, when
        given, is checked against the tree.
        """
        src = table if isinstance(table, pd.DataFrame) else None
        where = "metadata table" if src is not None else f"metadata file {table}"
        if src is None:
            p = Path(table)
            if not p.exists():
                raise FrameworkError(f"metadata file {p} does not exist")
            src = pd.read_excel(p) if p.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(p)
        df = src.copy()
        for col in ("iCode", "Parent"):
            if col not in df.columns:
                raise FrameworkError(
                    f"{where} lacks the column {col!r}; COINr-style metadata needs "
                    "iCode, Parent (and optionally iName, Level, Weight, Direction, Type, Lower, Upper)"
                )
        if "Type" in df.columns:
            df = df[df["Type"].astype(str).isin(["Indicator", "Aggregate"])]
        nodes: list[Node] = []
        for i, r in df.reset_index(drop=True).iterrows():
            code = str(r["iCode"])
            label = f"{where}, row {i + 1} ({code})"
            parent = None if _isnan(r["Parent"]) or str(r["Parent"]).strip() in ("", "NA") else str(r["Parent"])
            lower = r.get("Lower", np.nan)
            upper = r.get("Upper", np.nan)
            nodes.append(Node(
                code=code,
                name="" if _isnan(r.get("iName")) else str(r.get("iName", "")),
                parent=parent,
                weight=_as_float(1.0 if _isnan(r.get("Weight", 1.0)) else r.get("Weight", 1.0), label, "Weight"),
                direction=_as_direction(1 if _isnan(r.get("Direction", 1)) else r.get("Direction", 1), label),
                unit="" if _isnan(r.get("Unit")) else str(r.get("Unit", "")),
                source="" if _isnan(r.get("Source")) else str(r.get("Source", "")),
                lower=None if _isnan(lower) else _as_float(lower, label, "Lower"),
                upper=None if _isnan(upper) else _as_float(upper, label, "Upper"),
            ))
        codes = {n.code for n in nodes}
        dangling = sorted({n.parent for n in nodes if n.parent is not None and n.parent not in codes})
        if len(dangling) == 1 and not any(n.parent is None for n in nodes):
            nodes.append(Node(code=dangling[0], name=dangling[0]))
        fw = cls(nodes, name=name)
        if "Level" in df.columns:
            for code, lev in zip(df["iCode"].astype(str), df["Level"], strict=True):
                if not _isnan(lev) and code in fw and int(lev) != fw.level(code):
                    raise FrameworkError(
                        f"{where}: node {code!r} has Level {int(lev)} but sits at level "
                        f"{fw.level(code)} of the tree (indicators are level 1)"
                    )
        return fw

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        return (f"Framework({self.name!r}: {len(self.indicators)} indicators, "
                f"{self.n_levels} levels, root {self.root!r})")

    def tree(self) -> str:
        """Indented text view of the hierarchy with normalised weights."""
        lines: list[str] = []

        def walk(code, depth, w):
            n = self[code]
            extra = "" if self.children(code) else ("  (-)" if n.direction == -1 else "")
            lines.append(f"{'  ' * depth}{code}{' ' + n.name if n.name else ''}  w={w:.3g}{extra}")
            for k in self.children(code):
                walk(k, depth + 1, self.weights(code)[k])

        walk(self.root, 0, 1.0)
        return "\n".join(lines)


def _as_float(v, where, what) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise FrameworkError(f"{where}: {what} {v!r} is not a number") from None
    if not np.isfinite(f):
        raise FrameworkError(f"{where}: {what} is {v!r}; it must be a finite number")
    if what.lower() == "weight" and f < 0:
        raise FrameworkError(f"{where}: weight is negative ({f}); weights must be >= 0")
    return f


def _as_direction(v, where) -> int:
    try:
        d = float(v)
    except (TypeError, ValueError):
        d = None
    if d not in (1.0, -1.0):
        raise FrameworkError(
            f"{where}: direction {v!r} is not valid; use 1 (higher is better) or -1 (lower is better)"
        )
    return int(d)
