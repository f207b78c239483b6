"""Scenario explorer: rebuild an index under other pillar weights and methods, see the rank shifts.

The logic behind the interactive explorer of ``notebooks/05_scenario_explorer.py``, usable and
testable without a browser. :class:`ScenarioExplorer` holds a *baseline* build and offers one
plain callback, :meth:`ScenarioExplorer.update`, that rebuilds the index with
:func:`citymodel.build.build` under the chosen pillar weights, normalisation, weighting and
aggregation, and returns

* a ranking table: each city's score and rank, its baseline rank and the rank shift
  ``Δ_c = rank_c − rank_c^baseline`` (METHODS §7; negative = moved up), and
* a rank-shift (slope) chart of the cities in the top ``top`` of either build
  (:func:`citymodel.plot.rank_shift_chart`).

:meth:`~ScenarioExplorer.widget` wires the same callback to ipywidgets sliders (one per pillar)
and dropdowns (imported lazily: ipywidgets is only needed for the widget);
:meth:`~ScenarioExplorer.render` shows a table and chart without widgets (headless runs).

Semantics of the choices: ``None`` keeps the baseline's choice. Pillar weights, once given, are
``user`` weights at the level that aggregates the pillars into the index (relative weights,
rescaled to sum to one; pillars not named keep their baseline weight); the weighting method then
applies within the pillars. Without pillar weights the weighting method applies at every level.
A choice that differs from the baseline's global method replaces that step at every level
(including the baseline's per-level overrides).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .build import _as_spec, build
from .errors import SpecError, unknown_name
from .framework import Framework
from .spec import STEP_METHODS, IndexSpec

__all__ = ["ScenarioExplorer", "explorer_options"]

#: Methods left out of the explorer's default dropdowns: they need parameters a dropdown cannot
#: give (reference values, AHP matrices, user weights, the power p) or are too slow to recompute
#: on every slider move (benefit of the doubt solves one LP per city and node). ``update`` still
#: accepts them as step mappings, e.g. ``{"method": "generalised", "p": 0.5}``.
_NOT_IN_DROPDOWN = {
    "normalise": {"dist2ref", "dist2targ", "categorical"},
    "weights": {"ahp", "user", "bod"},
    "aggregate": {"generalised"},
}
_KINDS = {"normalisation": "normalise", "weighting": "weights", "aggregation": "aggregate"}


def explorer_options(framework: Framework) -> dict[str, tuple[str, ...]]:
    """Method names offered by the explorer's dropdowns, per choice.

    The valid names of :data:`citymodel.spec.STEP_METHODS` less those that need parameters or
    are slow (see ``_NOT_IN_DROPDOWN``); ``goalposts`` only if every indicator has goalposts.

    Returns
    -------
    dict with keys ``normalisation``, ``weighting``, ``aggregation``.
    """
    out = {}
    for choice, kind in _KINDS.items():
        drop = set(_NOT_IN_DROPDOWN[kind])
        if kind == "normalise" and framework.goalposts.reindex(framework.indicators).isna().any().any():
            drop.add("goalposts")
        out[choice] = tuple(m for m in STEP_METHODS[kind] if m not in drop)
    return out


def _method_of(step: Any) -> str:
    return step if isinstance(step, str) else str(dict(step).get("method"))


class ScenarioExplorer:
    """Rebuild an index under other pillar weights / methods and compare ranks to a baseline.

    Parameters
    ----------
    data : DataArray (city, indicator) or DataFrame
        Indicator data, as for :func:`citymodel.build.build`.
    framework : Framework
        The indicator tree; its root's children are the *pillars* (one slider each).
    base_spec : IndexSpec, mapping or YAML, optional
        The baseline build (default :class:`~citymodel.spec.IndexSpec` defaults).
    top : int
        The chart shows the cities in the top ``top`` of the baseline or the scenario.
    label : str or None
        City coordinate used to label the chart and table (default ``city_en`` when present).

    Attributes
    ----------
    baseline : xarray.Dataset
        The baseline build.
    pillars : list of str
        Codes of the pillars.
    default_weights : dict
        The baseline's pillar weights (within the root, summing to one).
    options : dict
        Method names offered per choice (:func:`explorer_options`).
    table, figure, error
        State of the last widget refresh (ranking table, chart, error message or None).

    Examples
    --------
    >>> from citymodel.datasets import load_tai, tai_framework
    >>> ex = ScenarioExplorer(load_tai(), tai_framework())
    >>> table, fig = ex.update({"Human skills": 0.5})
    >>> list(table.columns[:4])
    ['score', 'rank', 'baseline_rank', 'rank_shift']
    """

    def __init__(self, data: xr.DataArray | pd.DataFrame, framework: Framework,
                 base_spec: IndexSpec | Mapping | str | None = None, *, top: int = 20,
                 label: str | None = "city_en"):
        if not isinstance(framework, Framework):
            raise SpecError(f"framework must be a citymodel Framework, got {type(framework).__name__}")
        if not isinstance(top, (int, np.integer)) or isinstance(top, bool) or top < 1:
            raise SpecError(f"top must be a positive integer, got {top!r}")
        self.data = data
        self.framework = framework
        self.base_spec = _as_spec(base_spec)
        self.top = int(top)
        self.baseline = build(data, framework, self.base_spec)
        self.label = label if label in self.baseline.coords else None
        self.pillars = [str(c) for c in framework.children(framework.root)]
        self.top_level = int(framework.level(framework.root))
        w = self.baseline["weight"].sel(node=self.pillars).values
        self.default_weights = {p: float(v) for p, v in zip(self.pillars, w, strict=True)}
        self.options = explorer_options(framework)
        self.table: pd.DataFrame | None = None
        self.figure = None
        self.error: str | None = None
        self._widgets: dict[str, Any] = {}
        self._pillars_touched = False
        self._hold = False

    # ------------------------------------------------------------------ spec
    def _check_weights(self, pillar_weights: Mapping[str, float]) -> dict[str, float]:
        if not isinstance(pillar_weights, Mapping):
            raise SpecError(f"pillar_weights must be a mapping pillar -> weight, got {type(pillar_weights).__name__}")
        w = dict(self.default_weights)
        for k, v in pillar_weights.items():
            if k not in w:
                raise unknown_name("pillar", k, self.pillars)
            try:
                x = float(v)
            except (TypeError, ValueError):
                raise SpecError(f"weight of pillar {k!r} must be a number, got {v!r}") from None
            if not math.isfinite(x) or x < 0:
                raise SpecError(f"weight of pillar {k!r} must be finite and >= 0, got {v!r}; "
                                "weights are relative (rescaled to sum to one)")
            w[k] = x
        if sum(w.values()) <= 0:
            raise SpecError("pillar weights are all zero; give at least one pillar a positive weight")
        return w

    def spec_for(self, pillar_weights: Mapping[str, float] | None = None,
                 normalisation: str | Mapping | None = None, weighting: str | Mapping | None = None,
                 aggregation: str | Mapping | None = None) -> IndexSpec:
        """The :class:`~citymodel.spec.IndexSpec` of a scenario (see :meth:`update`)."""
        d = self.base_spec.to_dict()
        levels = {int(k): dict(v) for k, v in d.pop("levels", {}).items()}
        for choice, value in (("normalisation", normalisation), ("weighting", weighting),
                              ("aggregation", aggregation)):
            if value is None:
                continue
            kind = _KINDS[choice]
            if not isinstance(value, (str, Mapping)):
                raise SpecError(f"{choice} must be a method name or a step mapping, got {value!r}")
            if _method_of(value) not in STEP_METHODS[kind]:
                raise unknown_name(f"{kind} method", _method_of(value), STEP_METHODS[kind])
            if isinstance(value, str) and value == d[kind]["method"]:
                continue  # the baseline's method with its parameters and level overrides
            d[kind] = {"method": value} if isinstance(value, str) else dict(value)
            for lev in levels.values():
                lev.pop(kind, None)
        if pillar_weights is not None:
            w = self._check_weights(pillar_weights)
            levels.setdefault(self.top_level, {})["weights"] = {"method": "user", "weights": w}
        levels = {k: v for k, v in levels.items() if v}
        if levels:
            d["levels"] = levels
        return IndexSpec.from_dict(d)

    # ------------------------------------------------------------------ callbacks
    def ranking(self, result: xr.Dataset) -> pd.DataFrame:
        """Ranking table of a build against the baseline (index ``city``, sorted by rank).

        Columns ``score``, ``rank``, ``baseline_rank``, ``rank_shift`` (rank − baseline rank;
        negative = moved up), then the label coordinate and ``tier`` when present.
        """
        root = self.framework.root
        df = pd.DataFrame({
            "score": result["score"].sel(node=root).values,
            "rank": result["rank"].sel(node=root).values,
        }, index=pd.Index(result["city"].values, name="city"))
        df["baseline_rank"] = pd.Series(self.baseline["rank"].sel(node=root).values,
                                        index=self.baseline["city"].values).reindex(df.index)
        df["rank_shift"] = df["rank"] - df["baseline_rank"]
        if self.label is not None:
            df[self.label] = np.asarray(result[self.label].values, dtype=object)
        if "tier" in result:
            df["tier"] = np.asarray(result["tier"].values, dtype=object)
        df = df.sort_values(["rank", "baseline_rank"], kind="stable")
        for c in ("rank", "baseline_rank", "rank_shift"):
            v = df[c].to_numpy(dtype=float)
            if np.all(np.isfinite(v) & (v == np.round(v))):
                df[c] = v.astype(int)
        return df

    def chart(self, result: xr.Dataset, name: str = "scenario"):
        """Rank-shift chart (baseline vs ``result``) on a new matplotlib Figure (no pyplot state)."""
        from matplotlib.figure import Figure

        from .analysis import rank_comparison
        from .plot import rank_shift_chart

        cmp_ = rank_comparison({"baseline": self.baseline, name: result}, top=self.top)
        fig = Figure(figsize=(6.5, max(4.5, 0.22 * len(cmp_.table) + 1.5)))
        ax = fig.add_subplot()
        rank_shift_chart(cmp_, ax=ax, label=self.label)
        synth = " (SYNTHETIC data)" if int(self.baseline.attrs.get("synthetic", 0)) else ""
        ax.set_title(f"Top-{self.top} ranks: baseline vs {name}{synth}", fontsize="medium")
        fig.tight_layout()
        return fig

    def update(self, pillar_weights: Mapping[str, float] | None = None,
               normalisation: str | Mapping | None = None, weighting: str | Mapping | None = None,
               aggregation: str | Mapping | None = None) -> tuple[pd.DataFrame, Any]:
        """Rebuild the index under the given choices; return (ranking table, rank-shift Figure).

        Parameters
        ----------
        pillar_weights : mapping pillar -> weight, optional
            Relative weights (>= 0, not all zero; rescaled to sum to one) of the pillars in the
            index; pillars not named keep their baseline weight. ``None``: the weighting method
            (or the baseline) decides the pillar weights too.
        normalisation, weighting, aggregation : str or step mapping, optional
            Method names from :data:`citymodel.spec.STEP_METHODS` (or mappings with parameters,
            e.g. ``{"method": "minmax", "range": [1, 100]}``); ``None`` keeps the baseline's.

        Returns
        -------
        (DataFrame, matplotlib.figure.Figure)
            :meth:`ranking` of the scenario and :meth:`chart` of it against the baseline.

        Raises
        ------
        SpecError
            Unknown pillar or method names (the message lists the valid ones), negative or
            all-zero weights; errors of :func:`~citymodel.build.build` (e.g. geometric
            aggregation of zeros) propagate.
        """
        spec = self.spec_for(pillar_weights, normalisation, weighting, aggregation)
        result = build(self.data, self.framework, spec)
        return self.ranking(result), self.chart(result)

    def render(self, pillar_weights: Mapping[str, float] | None = None,
               normalisation: str | Mapping | None = None, weighting: str | Mapping | None = None,
               aggregation: str | Mapping | None = None, *, rows: int = 15) -> tuple[pd.DataFrame, Any]:
        """Static path (no widgets): :meth:`update`, then display the first ``rows`` of the
        table and the chart (IPython display if available, else print). Returns both."""
        table, fig = self.update(pillar_weights, normalisation, weighting, aggregation)
        self.show(table, fig, rows=rows)
        return table, fig

    @staticmethod
    def show(table: pd.DataFrame, fig, *, rows: int = 15) -> None:
        """Display the first ``rows`` of a ranking table and a chart as a PNG image (in IPython,
        whatever the matplotlib backend); outside IPython print the table."""
        try:
            from IPython import get_ipython
            from IPython.display import Image, display
        except ImportError:  # pragma: no cover - IPython ships with the notebook extras
            get_ipython = None
        if get_ipython is not None and get_ipython() is not None:
            display(table.head(rows))
            display(Image(data=_png(fig)))
        else:
            print(table.head(rows).to_string())

    # ------------------------------------------------------------------ widget
    def widget(self):
        """An ipywidgets ``VBox``: one slider per pillar weight, dropdowns for normalisation,
        weighting and aggregation, a reset button and an ``Output`` with the table and chart.

        Every control is wired with ``observe`` to the same callback as :meth:`update`; the
        last state is kept in :attr:`table`, :attr:`figure` and :attr:`error` (an error, e.g.
        geometric aggregation of zeros, is shown in the output instead of raised).
        """
        try:
            import ipywidgets as W
        except ImportError:
            raise SpecError("the explorer widget needs ipywidgets: pip install 'citymodel[notebooks]'") from None
        sliders = {p: W.FloatSlider(value=round(self.default_weights[p], 3), min=0.0, max=1.0, step=0.005,
                                    readout_format=".3f", description=p, continuous_update=False,
                                    style={"description_width": "initial"})
                   for p in self.pillars}
        spec = self.base_spec
        drops = {}
        for choice, kind in _KINDS.items():
            current = getattr(spec, kind).method
            opts = list(self.options[choice])
            if current not in opts:
                opts.insert(0, current)
            drops[choice] = W.Dropdown(options=opts, value=current, description=choice)
        reset = W.Button(description="reset to baseline")
        out = W.Output()
        note = W.HTML("<small>Pillar weights are relative (rescaled to sum to one) and, once moved, "
                      "replace the weighting method at the pillar level.</small>")
        self._widgets = {"sliders": sliders, "dropdowns": drops, "reset": reset, "output": out}
        self._pillars_touched = False

        def on_slider(_change):
            self._pillars_touched = True
            self._refresh()

        for s in sliders.values():
            s.observe(on_slider, names="value")
        for d in drops.values():
            d.observe(lambda _change: self._refresh(), names="value")

        def on_reset(_button):
            self._hold = True  # one refresh for the whole reset, not one per control
            try:
                for choice, d in drops.items():
                    d.value = getattr(spec, _KINDS[choice]).method
                for p, s in sliders.items():
                    s.value = round(self.default_weights[p], 3)
            finally:
                self._hold = False
            self._pillars_touched = False
            self._refresh()

        reset.on_click(on_reset)
        self._refresh()
        return W.VBox([W.HTML("<b>Pillar weights</b>"), *sliders.values(), note,
                       W.HBox(list(drops.values())), reset, out])

    def _refresh(self) -> None:
        """Recompute from the widget state and replace the Output's content."""
        if self._hold:
            return
        w = self._widgets
        weights = {p: s.value for p, s in w["sliders"].items()} if self._pillars_touched else None
        choices = {c: d.value for c, d in w["dropdowns"].items()}
        try:
            table, fig = self.update(weights, **choices)
        except ValueError as exc:  # citymodel errors are ValueErrors
            self.error = f"{type(exc).__name__}: {exc}"
            w["output"].outputs = (_display_data({"text/plain": self.error,
                                                  "text/html": f"<pre style='color:#b00'>{self.error}</pre>"}),)
            return
        self.table, self.figure, self.error = table, fig, None
        head = table.head(15)
        w["output"].outputs = (
            _display_data({"text/plain": head.to_string(), "text/html": head.to_html()}),
            _display_data({"text/plain": "<rank-shift chart>", "image/png": base64.b64encode(_png(fig)).decode()}),
        )


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def _display_data(data: dict) -> dict:
    """A Jupyter ``display_data`` output (set on ``Output.outputs`` directly: no kernel needed)."""
    return {"output_type": "display_data", "data": data, "metadata": {}}
