"""Engine benchmarks: every baseline and its candidate timed side by side in one run.

Run from the repository root::

    python benchmarks/bench_engine.py                 # full sizes (about 20 min on 2 cores)
    python benchmarks/bench_engine.py --smoke         # tiny sizes, < 60 s (CI smoke test)
    python benchmarks/bench_engine.py --only sobol floor --out /tmp/results.md

Each comparison times a *baseline* and a *candidate* in the same process (best of a few
repeats with :func:`time.perf_counter`; a run is repeated only while the repeats fit a time
budget) and prints one Markdown table row: ``comparison | size | baseline s | candidate s |
ratio | target | met?``. The table (with notes and the machine) is also written to ``--out``
(default ``benchmarks/results.md``).

Comparisons (``--only`` names):

``engine``  reference engine (one :func:`citymodel.build.compute` per scenario) vs the
            vectorised engine, :func:`~citymodel.uncertainty.engine.run_uncertainty` with
            ``keep="stats"``, on the 36-indicator :func:`~citymodel.datasets.synthetic.h3c_framework`
            and the space "normalisation minmax/percentile x aggregation arithmetic/geometric x
            weights meta/entropy + WeightNoise at the pillar level + Bootstrap". The reference
            engine is timed on the first k and 2k of the same Monte Carlo scenarios and
            extrapolated linearly (t = a + b n). Target at 1000 cities x 10,000 scenarios: >= 100x.
``pandas``  a "typical user" pandas loop (per scenario: DataFrame min-max normalisation,
            multiply by the scenario's effective indicator weights, sum, ``DataFrame.rank``) vs
            the vectorised engine on the same scenarios (meta weights, WeightNoise on indicators
            and pillars, arithmetic). The ranks are checked to agree. Target >= 20x.
``floor``   vectorised engine (same space as ``pandas``) vs its arithmetic floor: the GEMM
            ``W @ N.T`` that gives the (scenario, city) scores plus ``np.argsort`` of them, in
            the engine's chunks. Reports pipeline / floor. Target <= 1.5x.
``sobol``   :func:`citymodel.uncertainty.sobol.sobol_indices` on Y (runs, 1000 outputs) vs
            ``SALib.analyze.sobol.analyze`` looped over the outputs (same SALib-layout design,
            ``calc_second_order=False``, 100 resamples, same seed; results checked equal).
            Target >= 100x.
``scale``   5000 cities x 200,000 scenarios streamed with ``keep="stats"`` in a subprocess;
            peak RSS of that process from ``resource.getrusage(RUSAGE_CHILDREN)`` of a
            wrapper whose only child it is. Target <= 1.5 GB.
``dask``    ``scheduler="dask"`` on a LocalCluster with 1 vs 2 single-threaded worker
            processes (cluster start-up and a warm-up run excluded). Target >= 1.6x.

No assertion anywhere depends on a timing. All data are SYNTHETIC (make_cities).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import inspect
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(REPO))

COMPARISONS = ("engine", "pandas", "floor", "sobol", "scale", "dask")

#: Sizes of the full run (the brief's sizes) and of ``--smoke`` (finishes in < 60 s on 2 cores).
SIZES = {
    "full": {
        "engine_cities": (242, 1000, 5000), "engine_scenarios": (1000, 10_000),
        "engine_target_size": (1000, 10_000),
        "ref_subset": {242: 128, 1000: 96, 5000: 40},  # k; the reference runs k and 2k scenarios
        "pandas": (1000, 10_000), "floor": (5000, 10_000),
        "sobol": {"N": 1024, "d": 5, "outputs": 1000, "resamples": 100},
        "scale": (5000, 200_000), "dask": (1000, 10_000),
        "repeats": 3, "budget": 20.0,
    },
    "smoke": {
        "engine_cities": (60, 150), "engine_scenarios": (64,),
        "engine_target_size": (150, 64),
        "ref_subset": {60: 12, 150: 12},
        "pandas": (100, 256), "floor": (200, 512),
        "sobol": {"N": 64, "d": 5, "outputs": 100, "resamples": 20},
        "scale": (500, 2000), "dask": (100, 256),
        "repeats": 2, "budget": 1.0,
    },
}
SEED = 1
SPEC = {"normalise": {"method": "minmax", "range": [1, 100]}}


# ------------------------------------------------------------------------------------ table
@dataclass
class Row:
    """One line of the results table."""

    comparison: str
    size: str
    baseline: float | None
    candidate: float | None
    ratio: float | None
    target: str
    met: bool | None
    notes: list[str] = field(default_factory=list)
    ratio_text: str | None = None  # overrides the ratio cell (e.g. a memory figure)
    baseline_mark: str = ""        # e.g. " (extrap.)"


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3g}" if x < 1 else f"{x:,.1f}" if x < 1000 else f"{x:,.0f}"


def format_table(rows: Sequence[Row]) -> tuple[str, list[str]]:
    """The Markdown table and its numbered notes."""
    head = "| comparison | size | baseline s | candidate s | ratio | target | met? |"
    lines = [head, "|---|---|---:|---:|---:|---|---|"]
    notes: list[str] = []
    for r in rows:
        refs = []
        for n in r.notes:
            if n not in notes:
                notes.append(n)
            refs.append(notes.index(n) + 1)
        mark = "".join(f"[^{i}]" for i in refs)
        ratio = r.ratio_text if r.ratio_text is not None else (
            "—" if r.ratio is None else f"{r.ratio:,.1f}x" if r.ratio >= 10 else f"{r.ratio:.2f}x")
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.comparison} {mark} | {r.size} | {_fmt_s(r.baseline)}{r.baseline_mark} | "
                     f"{_fmt_s(r.candidate)} | {ratio} | {r.target} | {met} |")
    return "\n".join(lines), [f"[^{i + 1}]: {n}" for i, n in enumerate(notes)]


def _machine() -> str:
    import pandas as pd
    import scipy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
            f"pandas {pd.__version__}")


def _code_version() -> str:
    """Last commit that touched citymodel/ and whether it has uncommitted changes (read-only git)."""
    git = ["git", "--no-optional-locks", "-C", str(REPO)]
    try:
        last = subprocess.run([*git, "log", "-1", "--format=%h", "--", "citymodel"],
                              capture_output=True, text=True, timeout=30)
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", "citymodel"],
                               capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    if last.returncode or not last.stdout.strip():
        return "unknown (not a git checkout)"
    state = {0: "unmodified", 1: "with uncommitted changes"}
    return f"citymodel/ at commit {last.stdout.strip()} ({state.get(dirty.returncode, 'state unknown')})"


# ------------------------------------------------------------------------------------ timing
def best_of(fn: Callable[[], object], repeats: int, budget: float) -> tuple[float, object]:
    """Best wall time of up to ``repeats`` calls of ``fn``; stops early when another repeat
    would take the total past ``budget`` seconds. Returns (seconds, last result)."""
    times: list[float] = []
    out = None
    while True:
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= repeats or sum(times) + min(times) > budget:
            return min(times), out


def linear_extrapolation(k1: int, t1: float, k2: int, t2: float, n: int) -> float:
    """t(n) = a + b n through (k1, t1), (k2, t2); proportional t2 n / k2 if the slope is not positive."""
    b = (t2 - t1) / (k2 - k1)
    if b <= 0:
        return t2 * n / k2
    return (t1 - b * k1) + b * n


def _busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine spent busy since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)  # idle + iowait
    return (sum(f[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Interference:
    """CPU time used by *other* processes while a comparison ran (machine busy time minus ours).

    On a shared machine this flags rows whose timings were disturbed; child processes count
    as ours once they have exited (the scale subprocess, the dask workers).
    """

    def __enter__(self):
        self.t, self.busy, self.own = time.perf_counter(), _busy_cpu_seconds(), _own_cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t
        busy = _busy_cpu_seconds()
        self.foreign = None if busy is None or self.busy is None else max(
            0.0, (busy - self.busy) - (_own_cpu_seconds() - self.own))
        return False

    def note(self, name: str) -> str | None:
        """A note if other processes used more than 5 % of the machine during the comparison."""
        if self.foreign is None or self.wall <= 0:
            return None
        share = self.foreign / (self.wall * (os.cpu_count() or 1))
        if share <= 0.05:
            return None
        return (f"other processes used {self.foreign:,.0f} CPU-s ({share:.0%} of the machine) while "
                f"'{name}' ran: its timings may be disturbed")


# ------------------------------------------------------------------------------------ set-up
def _framework():
    from citymodel.datasets.synthetic import h3c_framework

    return h3c_framework()


def space_full():
    """The space of comparison ``engine`` (5 factors)."""
    from citymodel.uncertainty.space import Bootstrap, Choice, ScenarioSpace, WeightNoise

    return ScenarioSpace([
        Choice("normalisation", "normalise", [{"method": "minmax", "range": [1, 100]},
                                              {"method": "percentile"}]),
        Choice("aggregation", "aggregate", ["arithmetic", "geometric"]),
        Choice("weighting", "weights", ["meta", "entropy"]),
        WeightNoise("noise_pillars", level=3, amplitude=0.25),
        Bootstrap("bootstrap"),
    ], seed=SEED)


def space_meta():
    """Meta weights with noise on indicators and pillars (arithmetic, min-max): linear in N."""
    from citymodel.uncertainty.space import ScenarioSpace, WeightNoise

    return ScenarioSpace([WeightNoise("noise_indicators", level=1, amplitude=0.25),
                          WeightNoise("noise_pillars", level=3, amplitude=0.25)], seed=SEED)


SPEC_META = {"normalise": {"method": "minmax", "range": [0, 100]}}


def _data(n_cities: int):
    from citymodel.datasets.synthetic import make_cities

    return make_cities(n_cities, _framework(), seed=0)


def _run(da, space, n: int, *, spec=SPEC, engine: str = "vectorized", **kw):
    from citymodel.uncertainty.engine import run_uncertainty

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_uncertainty(da, _framework(), space, n, spec=spec, sampler="mc", seed=SEED,
                               engine=engine, keep="stats", **kw)


def effective_weights(space, n: int, n_cities: int, spec=SPEC_META) -> np.ndarray:
    """Indicator weights (n, indicators) of the first ``n`` scenarios of a meta-weight space.

    Product along each indicator's path of the (noisy) framework weights normalised within
    their parent: with arithmetic aggregation the index is ``N @ w``.
    """
    from citymodel.spec import IndexSpec
    from citymodel.uncertainty.sampling import monte_carlo

    fw = _framework()
    bound = space.bind(fw, IndexSpec.from_dict(spec), n_cities)
    dec = bound.decode(monte_carlo(n, space.d, seed=SEED))
    codes = fw.codes
    col = {c: i for i, c in enumerate(codes)}
    raw = np.tile(np.array([fw[c].weight if fw[c].weight is not None else 1.0 for c in codes],
                           dtype=float), (n, 1))
    for name, (ncodes, table) in bound.noise_tables.items():
        raw[:, [col[c] for c in ncodes]] = table[dec[name].to_numpy().astype(np.intp)]
    norm = raw.copy()
    for node in fw.aggregates:
        kids = [col[k] for k in fw.children(node)]
        norm[:, kids] = raw[:, kids] / raw[:, kids].sum(axis=1, keepdims=True)
    W = np.ones((n, len(fw.indicators)))
    for j, ind in enumerate(fw.indicators):
        for c in fw.path(ind)[:-1]:
            W[:, j] *= norm[:, col[c]]
    return W


def _nominal_ranks(res) -> np.ndarray:
    return np.asarray(res.stats["nominal"].values, dtype=float)


def _rs(ranks: np.ndarray, nominal: np.ndarray) -> np.ndarray:
    return np.abs(ranks - nominal[None, :]).mean(axis=1)


# ------------------------------------------------------------------------------------ 1 engine
def bench_engine(cfg: dict, cache: dict) -> list[Row]:
    rows = []
    space = space_full()
    for M in cfg["engine_cities"]:
        da = _data(M)
        k = cfg["ref_subset"][M]
        t1, _ = best_of(lambda da=da, k=k: _run(da, space, k, engine="reference"),
                        cfg["repeats"], cfg["budget"])
        t2, ref2 = best_of(lambda da=da, k=k: _run(da, space, 2 * k, engine="reference"),
                           cfg["repeats"], cfg["budget"])
        for n in cfg["engine_scenarios"]:
            tv, res = best_of(lambda da=da, n=n: _run(da, space, n), cfg["repeats"], cfg["budget"])
            cache[("full", M, n)] = tv
            base = linear_extrapolation(k, t1, 2 * k, t2, n)
            same = np.allclose(ref2.stats["R_S"].values, res.stats["R_S"].values[: 2 * k],
                               rtol=0, atol=1e-9, equal_nan=True)
            notes = [f"reference engine timed on the first {k} and {2 * k} of the same scenarios "
                     "and extrapolated linearly, t = a + b n (a = fixed set-up cost)"]
            notes.append(f"checked: reference and vectorised engines give the same R_S on the "
                         f"first {2 * k} scenarios ({M:,} cities)" if same else
                         f"CHECK FAILED: reference and vectorised R_S differ on the first {2 * k} "
                         f"scenarios ({M:,} cities)")
            fails = int(res.n_failed)
            if fails:
                notes.append(f"{fails} failed scenarios at {M} x {n}")
            target = (M, n) == tuple(cfg["engine_target_size"])
            ratio = base / tv
            rows.append(Row("engine: reference vs vectorised", f"{M:,} x {n:,}", base, tv, ratio,
                            ">= 100x" if target else "(info)", (ratio >= 100) if target else None,
                            notes, baseline_mark=" (extrap.)"))
    rows[0].notes.append("engine space: normalisation minmax[1,100]/percentile x aggregation "
                         "arithmetic/geometric x weights meta/entropy (all levels) + WeightNoise "
                         "(pillars, +-25 %) + Bootstrap (1000 resamples); h3c_framework (36 "
                         "indicators); Monte Carlo sampler; keep='stats'; size = cities x scenarios")
    return rows


# ------------------------------------------------------------------------------------ 2 pandas
def pandas_loop(df, W: np.ndarray) -> np.ndarray:
    """A typical user's loop: per scenario min-max normalise, weight, sum, rank (pandas)."""
    out = np.empty((W.shape[0], df.shape[0]))
    for i, w in enumerate(W):
        norm = (df - df.min()) / (df.max() - df.min()) * 100
        score = (norm * w).sum(axis=1)
        out[i] = score.rank(ascending=False, method="min").to_numpy()
    return out


def bench_pandas(cfg: dict, cache: dict) -> list[Row]:
    M, n = cfg["pandas"]
    da = _data(M)
    space = space_meta()
    W = effective_weights(space, n, M)
    direction = da["direction"].values

    def baseline():
        df = da.to_pandas() * direction  # directions applied once, as the engine does centrally
        return pandas_loop(df, W)

    tb, ranks = best_of(baseline, cfg["repeats"], cfg["budget"])
    tv, res = best_of(lambda: _run(da, space, n, spec=SPEC_META), cfg["repeats"], cfg["budget"])
    rs = _rs(ranks, _nominal_ranks(res))
    diff = float(np.nanmax(np.abs(rs - res.stats["R_S"].values)))
    notes = ["pandas space: meta weights with WeightNoise on indicators and on pillars (+-25 %), "
             "minmax [0, 100], arithmetic; the loop gets each scenario's effective indicator "
             "weights precomputed (not timed)"]
    notes.append(f"checked: per-scenario R_S of the pandas ranks equals the engine's on all {n:,} "
                 "scenarios" if diff < 1e-9 else
                 f"CHECK FAILED: pandas vs engine R_S differ by up to {diff:.3g}")
    ratio = tb / tv
    return [Row("pandas loop vs vectorised", f"{M:,} x {n:,}", tb, tv, ratio, ">= 20x", ratio >= 20,
                notes)]


# ------------------------------------------------------------------------------------ 3 floor
def bench_floor(cfg: dict, cache: dict) -> list[Row]:
    from citymodel.uncertainty.engine import chunk_size

    M, n = cfg["floor"]
    da = _data(M)
    space = space_meta()
    W = effective_weights(space, n, M)
    X = np.asarray(da.values, dtype=float) * da["direction"].values
    N = (X - X.min(0)) / (X.max(0) - X.min(0)) * 100  # normalised once (not timed)
    chunk = chunk_size(M, _framework(), "1GB")

    def floor():
        for a in range(0, n, chunk):
            S = W[a:a + chunk] @ N.T
            np.argsort(-S, axis=-1)

    tf, _ = best_of(floor, cfg["repeats"], cfg["budget"])
    tv, res = best_of(lambda: _run(da, space, n, spec=SPEC_META), cfg["repeats"], cfg["budget"])
    # check (not timed): the floor's scores give the engine's ranks on the first chunk
    S = W[:chunk] @ N.T
    R = np.empty_like(S)
    np.put_along_axis(R, np.argsort(-S, axis=-1), np.arange(1.0, M + 1)[None, :], axis=-1)
    diff = float(np.abs(_rs(R, _nominal_ranks(res)) - res.stats["R_S"].values[:chunk]).max())
    notes = [f"floor = W @ N.T plus np.argsort per chunk of {chunk:,} scenarios (the engine's "
             "max_memory='1GB' chunk), N normalised once; pipeline = run_uncertainty on the "
             "'pandas' space, keep='stats' (includes rank statistics)",
             f"checked: floor ranks give the engine's R_S on the first {min(chunk, n):,} scenarios"
             if diff < 1e-9 else f"CHECK FAILED: floor vs engine R_S differ by up to {diff:.3g}"]
    ratio = tv / tf
    rows = [Row("floor: vectorised / (GEMM + argsort)", f"{M:,} x {n:,}", tf, tv, ratio, "<= 1.5x",
                ratio <= 1.5, notes)]
    if ("full", M, n) in cache:
        tfull = cache[("full", M, n)]
        rows.append(Row("floor: engine-space pipeline / floor", f"{M:,} x {n:,}", tf, tfull,
                        tfull / tf, "(info)", None,
                        ["same floor against the 'engine' space (bootstrap entropy weights, "
                         "geometric means: more than one GEMM by design)"]))
    return rows


# ------------------------------------------------------------------------------------ 4 sobol
def g_function_outputs(X: np.ndarray, n_outputs: int, seed: int = 0) -> np.ndarray:
    """Sobol' G-function with per-output coefficients a_ij ~ U(0, 9): Y (runs, n_outputs)."""
    a = np.random.default_rng(seed).uniform(0, 9, size=(X.shape[1], n_outputs))
    Y = np.ones((X.shape[0], n_outputs))
    for i in range(X.shape[1]):
        Y *= (np.abs(4 * X[:, i:i + 1] - 2) + a[i]) / (1 + a[i])
    return Y


def bench_sobol(cfg: dict, cache: dict) -> list[Row]:
    from SALib.analyze import sobol as salib_sobol

    from citymodel.uncertainty.sampling import saltelli_design
    from citymodel.uncertainty.sobol import sobol_indices

    p = cfg["sobol"]
    N, d, m, B = p["N"], p["d"], p["outputs"], p["resamples"]
    design = saltelli_design(N, d, seed=SEED, layout="salib")
    Y = g_function_outputs(design.X, m)
    problem = {"num_vars": d, "names": [f"x{i + 1}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}

    def baseline():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [salib_sobol.analyze(problem, Y[:, j], calc_second_order=False, num_resamples=B,
                                        conf_level=0.95, seed=SEED) for j in range(m)]

    tb, ref = best_of(baseline, cfg["repeats"], cfg["budget"])
    tv, res = best_of(lambda: sobol_indices(Y, design, bootstrap=B, conf=0.95, seed=SEED),
                      cfg["repeats"], cfg["budget"])
    diff = max(float(np.abs(np.stack([r[k] for r in ref], axis=1) - getattr(res, k)).max())
               for k in ("S1", "ST", "S1_conf", "ST_conf"))
    notes = [f"Sobol: Saltelli design N = {N}, d = {d} (SALib layout, {design.runs:,} runs), "
             f"Y = G-function with random coefficients per output; {B} bootstrap resamples, "
             "conf 0.95, same seed",
             f"checked: S1, ST, S1_conf, ST_conf equal SALib's to {diff:.1e}" if diff < 1e-10 else
             f"CHECK FAILED: citymodel vs SALib indices differ by up to {diff:.3g}"]
    ratio = tb / tv
    return [Row("sobol: SALib loop vs sobol_indices", f"{design.runs:,} runs x {m:,} outputs", tb, tv,
                ratio, ">= 100x", ratio >= 100, notes)]


# ------------------------------------------------------------------------------------ 5 scale
_RSS_WRAPPER = (
    "import json, resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:])\n"
    "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "scale = 1 if sys.platform == 'darwin' else 1024\n"
    "print(json.dumps({'wrapper': 1, 'rc': p.returncode, 'maxrss_bytes': kb * scale}), flush=True)\n"
)


def scale_child(n_cities: int, n: int) -> None:
    """Body of the subprocess of comparison ``scale``: one streamed run, JSON on stdout."""
    da = _data(n_cities)
    t0 = time.perf_counter()
    res = _run(da, space_meta(), n, spec=SPEC_META)
    sec = time.perf_counter() - t0
    print(json.dumps({"seconds": sec, "n_failed": int(res.n_failed),
                      "n_rs": int(res.stats["R_S"].size)}), flush=True)


def bench_scale(cfg: dict, cache: dict) -> list[Row]:
    M, n = cfg["scale"]
    child = [sys.executable, str(Path(__file__).resolve()), "--_scale-child", str(M), str(n)]
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *child], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    out = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    wrap = next((o for o in out if o.get("wrapper")), None)
    body = next((o for o in out if "seconds" in o), None)
    if p.returncode or wrap is None or body is None or wrap["rc"]:
        tail = (p.stderr or "").strip().splitlines()[-5:]
        return [Row("scale: streamed keep='stats'", f"{M:,} x {n:,}", None, None, None, "<= 1.5 GB",
                    False, ["scale run FAILED: " + " / ".join(tail)], ratio_text="failed")]
    gb = wrap["maxrss_bytes"] / 1e9
    notes = ["scale: 'pandas' space, run_uncertainty(keep='stats', max_memory='1GB') in a fresh "
             "subprocess; peak RSS = getrusage(RUSAGE_CHILDREN).ru_maxrss of a wrapper whose only "
             f"child is that run (includes interpreter, imports and data); candidate s = the run "
             f"itself ({wall:.0f} s with start-up)"]
    if body["n_rs"] != n:
        notes.append(f"CHECK FAILED: {body['n_rs']} scenarios streamed, expected {n}")
    return [Row("scale: streamed keep='stats'", f"{M:,} x {n:,}", None, body["seconds"], None,
                "<= 1.5 GB", gb <= 1.5, notes, ratio_text=f"{gb:.2f} GB RSS")]


# ------------------------------------------------------------------------------------ 6 dask
def bench_dask(cfg: dict, cache: dict) -> list[Row]:
    from citymodel.uncertainty.engine import run_uncertainty

    M, n = cfg["dask"]
    label, size = "dask: 1 vs 2 workers", f"{M:,} x {n:,}"
    if "scheduler" not in inspect.signature(run_uncertainty).parameters:
        return [Row(label, size, None, None, None, ">= 1.6x", None,
                    ["dask SKIPPED: run_uncertainty has no scheduler= parameter"], ratio_text="skipped")]
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        return [Row(label, size, None, None, None, ">= 1.6x", None,
                    ["dask SKIPPED: dask.distributed is not installed (pip install 'citymodel[dask]')"],
                    ratio_text="skipped")]
    import logging

    from citymodel.uncertainty.engine import chunk_size

    da = _data(M)
    space = space_full()
    # the engine's memory-based chunk, but at least 8 tasks so that 2 workers can share them
    chunk = min(chunk_size(M, _framework(), "1GB"), -(-n // 8))
    times, rs = {}, {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            # warm-up (imports and data on the workers), not timed
            _run(da, space, min(n, 64), scheduler="dask", client=client, chunk=chunk)
            times[workers], res = best_of(
                lambda client=client: _run(da, space, n, scheduler="dask", client=client, chunk=chunk),
                cfg["repeats"], cfg["budget"])
            rs[workers] = res.stats["R_S"].values
    same = np.array_equal(rs[1], rs[2], equal_nan=True)
    notes = [f"dask: 'engine' space in {-(-n // chunk)} chunks of {chunk:,} scenarios; "
             "LocalCluster(processes=True, threads_per_worker=1), BLAS 1 "
             "thread per worker (dask default); cluster start-up and a warm-up run not timed; "
             "the client process accumulates the statistics while the workers compute",
             "checked: 1- and 2-worker results bitwise identical" if same else
             "CHECK FAILED: 1- and 2-worker results differ"]
    if ("full", M, n) in cache:
        notes.append(f"for scale: the same case in-process (scheduler='sync', 2 BLAS threads, "
                     f"engine chunk) took {cache[('full', M, n)]:.1f} s in comparison 'engine'")
    ratio = times[1] / times[2]
    return [Row(label, size, times[1], times[2], ratio, ">= 1.6x", ratio >= 1.6, notes)]


BENCHES = {"engine": bench_engine, "pandas": bench_pandas, "floor": bench_floor,
           "sobol": bench_sobol, "scale": bench_scale, "dask": bench_dask}


# ------------------------------------------------------------------------------------ main
def render(rows: Sequence[Row], *, mode: str, argv: Sequence[str], seconds: float,
           cfg: dict | None = None, code: str | None = None) -> str:
    """The Markdown report: title, command, machine, code version, table and notes."""
    cfg = cfg or SIZES[mode]
    code = code or _code_version()
    table, notes = format_table(rows)
    cmd = " ".join(["python benchmarks/bench_engine.py", *argv])
    parts = [
        f"# citymodel engine benchmarks ({mode} sizes)", "",
        f"`{cmd}` — {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, {seconds:,.0f} s in total.",
        f"Machine: {_machine()}.", f"Code: {code}.", "",
        "Baseline and candidate of each row were timed in the same run (best of up to "
        f"{cfg['repeats']} repeats within a {cfg['budget']:g} s budget per measurement, so long "
        "runs are timed once). Ratio = baseline / "
        "candidate (floor: candidate / floor). Sizes are cities x scenarios unless stated.", "",
        table, "", "Notes:", "", *[f"{n}  " for n in notes], "",
    ]
    if mode == "smoke":
        parts.insert(2, "**Smoke sizes: the ratios are not representative of the targets.**\n")
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (< 60 s in total)")
    ap.add_argument("--only", nargs="+", choices=COMPARISONS, metavar="NAME",
                    help=f"run only these comparisons ({', '.join(COMPARISONS)})")
    ap.add_argument("--out", type=Path, default=HERE / "results.md",
                    help="Markdown file for the table (default benchmarks/results.md)")
    ap.add_argument("--scale-scenarios", type=int, default=None,
                    help="override the number of scenarios of the 'scale' comparison")
    ap.add_argument("--_scale-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._scale_child:
        scale_child(*args._scale_child)
        return 0
    mode = "smoke" if args.smoke else "full"
    cfg = dict(SIZES[mode])
    if args.scale_scenarios:
        cfg["scale"] = (cfg["scale"][0], int(args.scale_scenarios))
    names = [c for c in COMPARISONS if args.only is None or c in args.only]
    rows: list[Row] = []
    cache: dict = {}
    code = _code_version()  # the main process imports citymodel now; subprocesses import later
    t0 = time.perf_counter()
    for name in names:
        t1 = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        with Interference() as load:
            new = BENCHES[name](cfg, cache)
        warn = load.note(name)
        if warn:
            for r in new:
                r.notes.append(warn)
        rows.extend(new)
        print(f"[bench] {name} done in {time.perf_counter() - t1:,.1f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - t0
    end = _code_version()
    if end != code:
        code += f" at the start; {end} at the end (the code changed during the run)"
    text = render(rows, mode=mode, argv=argv, seconds=seconds, cfg=cfg, code=code)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
