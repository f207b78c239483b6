"""The ``citymodel`` command line.

Commands: ``info`` (bundled data sets and frameworks), ``demo`` (the main job on the bundled
data), ``build`` (one index from a data table and COINr-style metadata), ``sensitivity``
(uncertainty/Sobol analysis of ranks), ``replicate`` (the reports' published claims) and
``accounts`` (digital-economy accounts). Errors in the user's
input end the program with exit code 1 (2 for bad arguments) and a one-line message.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .errors import CitymodelError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, non-zero exit
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _cmd_info(args) -> int:
    from . import datasets

    print(f"citymodel {__version__}\n")
    print("Bundled data sets (published figures; provenance in each object's attrs):")
    t = datasets.list_datasets()
    for r in t.itertuples():
        print(f"  {r.name:<24} {r.size:<30} {r.description}")
        print(f"  {'':<24} loader: citymodel.datasets.{r.loader}; source: {r.source}")
    print("\nFrameworks of the reports (frameworks.yaml):")
    for rep in datasets.load_frameworks()["reports"]:
        lv = rep.get("levels", {})
        pillars = ", ".join(p["zh"] for p in rep.get("first_level", []))
        print(f"  {rep['id']}: {rep['report_name_zh']} ({rep['year']}); levels {lv}; pillars: {pillars}")
    print("\nSynthetic data: citymodel.datasets.synthetic.make_cities / make_h3c_panel "
          "(labelled SYNTHETIC, never real indicator data).")
    print("Not shipped (read at run time): ../shared/data/asem, ../shared/data/growth, "
          "../shared/data/gdp/city_supplement_fetched.csv")
    return 0


def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(out=args.out, seed=args.seed, quick=args.quick)
    return 0


def _cmd_build(args) -> int:
    from .build import build_from_files

    out = build_from_files(args.data, meta=args.meta, spec=args.spec, out=args.out)
    print(f"wrote {out}")
    return 0


def _cmd_sensitivity(args) -> int:
    import time
    import warnings

    import numpy as np

    from .build import _as_spec, compute
    from .errors import SpecError
    from .io import read_framework, read_table, to_netcdf
    from .uncertainty.engine import run_sensitivity, run_uncertainty
    from .uncertainty.space import ScenarioSpace

    fw = read_framework(args.meta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        da = read_table(args.data, framework=fw)
    spec = _as_spec(args.spec)
    space = ScenarioSpace.from_yaml(args.space)
    runs = args.n if args.mode == "ua" else args.n * (space.d + 2)
    t = time.perf_counter()
    compute(np.array(da.sel(indicator=fw.indicators).values, dtype=float), fw, spec,
            cities=[str(c) for c in da.city.values])
    per_run = time.perf_counter() - t
    print(f"{'uncertainty' if args.mode == 'ua' else 'sensitivity'} analysis: {space.d} factors "
          f"({', '.join(space.names)}), {runs:,} runs"
          + ("" if args.mode == "ua" else f" = N({space.d} + 2) with N = {args.n}")
          + f"; the reference engine would take about {runs * per_run:.0f} s", flush=True)
    client = None
    if args.dask_address:
        if args.scheduler != "dask":
            raise SpecError("--dask-address needs --scheduler dask")
        from distributed import Client

        client = Client(args.dask_address)
    common = dict(spec=spec, seed=args.seed, engine=args.engine, progress=True, scheduler=args.scheduler,
                  client=client, max_memory=args.max_memory)
    try:
        if args.mode == "ua":
            res = run_uncertainty(da, fw, space, args.n, sampler=args.sampler, keep="stats", **common)
        else:
            res = run_sensitivity(da, fw, space, args.n, **common)
    finally:
        if client is not None:
            client.close()
    ds = res.to_dataset()
    if args.mode == "sa":
        ds = ds.drop_vars([v for v in ds.data_vars if v.startswith("run_") and v not in ("run_R_S", "run_u")])
    out = to_netcdf(ds, args.out)
    print(f"results: {out}")
    if args.summary:
        res.summary().to_csv(args.summary, index=False)
        print(f"summary: {args.summary}")
    if res.n_failed:
        print(f"note: {res.n_failed} scenarios failed and were recorded as NaN (variable 'failure')")
    if args.figures:
        from .uncertainty.report import save_figures

        for p in save_figures(res, args.figures):
            print(f"figure: {p}")
    return 0


def _cmd_replicate(args) -> int:
    from .replicate.correlation import gdp_panel
    from .replicate.report import write_report

    print(f"GDP coverage: {gdp_panel(args.gdp_supplement).attrs['coverage']}", flush=True)
    res = write_report(args.out, args.which, supplement=args.gdp_supplement, n_boot=args.n_boot,
                       draws=args.draws, scenarios=args.scenarios, seed=args.seed)
    print("\n".join(res["summary"]))
    print(f"report: {res['out'] / 'report.md'} (and report.html, claims.csv, figures/)")
    return 0


def _cmd_accounts(args) -> int:
    from .accounts.command import run_accounts

    lines = run_accounts(args.data, cities=args.cities, years=args.years, seed=args.seed,
                         effects=args.effects, cov_type=args.cov_type, delta_ict=args.delta_ict,
                         delta_n=args.delta_n, mc=args.mc, out=args.out,
                         seed_figures=args.seed_figures, interpolate=args.interpolate)
    print("\n".join(lines))
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``citymodel`` command and its sub-commands.

    Sub-commands: ``info``, ``demo``, ``build``, ``sensitivity``, ``replicate`` and
    ``accounts`` (``citymodel COMMAND --help`` lists the options of each).

    Returns
    -------
    argparse.ArgumentParser
        A parser whose errors print one line and exit with code 2.
    """
    p = _Parser(prog="citymodel", description="Composite city indices and the robustness of their rankings.")
    p.add_argument("--version", action="version", version=f"citymodel {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    s = sub.add_parser("info", help="list the bundled data sets and frameworks")
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser("demo", help="run the main job on the bundled data and write a report")
    s.add_argument("--out", default="citymodel-demo", help="output folder (default: ./citymodel-demo)")
    s.add_argument("--seed", type=int, default=2021, help="seed of the synthetic panel (default 2021)")
    s.add_argument("--quick", action="store_true", help="smaller Monte Carlo sizes (for tests)")
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser("build", help="build one index from a wide data table and COINr-style metadata")
    s.add_argument("data", help="wide CSV/XLSX/parquet: a unit-code column (uCode or the first) + indicators")
    s.add_argument("--meta", required=True, help="COINr-style metadata (iCode, Level, Parent, Weight, Direction, Type)")
    s.add_argument("--spec", help="index spec YAML (default: minmax [0,100], no imputation, META weights, arithmetic)")
    s.add_argument("--out", required=True, help="output CSV, long format: uCode, node, level, score, rank")
    s.set_defaults(func=_cmd_build)

    s = sub.add_parser("sensitivity", help="uncertainty (ua) or Sobol sensitivity (sa) analysis of every city's rank")
    s.add_argument("data", help="wide CSV/XLSX/parquet: a unit-code column (uCode or the first) + indicators")
    s.add_argument("--meta", required=True, help="COINr-style metadata (iCode, Level, Parent, Weight, Direction, Type)")
    s.add_argument("--spec", help="nominal index spec YAML (default: minmax [0,100], META weights, arithmetic)")
    s.add_argument("--space", required=True, help="scenario space YAML (factors: choice, exclusion, weight_noise, ...)")
    s.add_argument("--n", type=int, required=True,
                   help="ua: number of scenarios; sa: base sample size N (N(d+2) runs; a power of 2)")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same results)")
    s.add_argument("--out", required=True, help="output netCDF: rank statistics, R_S, Sobol indices with CIs")
    s.add_argument("--summary", help="optional CSV, one row per unit: uCode, nominal, mean, median, q05, q95")
    s.add_argument("--mode", choices=("sa", "ua"), default="sa", help="sa (Saltelli/Sobol, default) or ua (Monte Carlo)")
    s.add_argument("--sampler", choices=("sobol", "mc", "lhs"), default="sobol", help="ua sampler (default sobol QMC)")
    s.add_argument("--engine", choices=("vectorized", "reference"), default="vectorized",
                   help="vectorized (default, batched kernels) or reference (one build per scenario)")
    s.add_argument("--scheduler", choices=("sync", "dask"), default="sync",
                   help="sync (in memory) or dask (chunks as tasks on a LocalCluster or --dask-address)")
    s.add_argument("--dask-address", help="address of a running dask scheduler, e.g. tcp://10.0.0.5:8786")
    s.add_argument("--max-memory", default="1GB", help="memory budget that sets the chunk size (default 1GB)")
    s.add_argument("--figures", help="optional folder for the rank-uncertainty and Sobol figures")
    s.set_defaults(func=_cmd_sensitivity)

    s = sub.add_parser("replicate", help="replicate the reports' published claims (claims.csv + report)")
    s.add_argument("which", nargs="?", choices=("h3c2021", "ccid2021", "all"), default="all",
                   help="which reports' claims (default all)")
    s.add_argument("--out", required=True, help="output folder: claims.csv, report.md/.html, figures/")
    s.add_argument("--gdp-supplement", help="CSV with city, gdp_2020_yi_fetched[, population_2020_wan]; "
                   "shipped (cited) GDP wins, the supplement fills gaps")
    s.add_argument("--n-boot", type=int, default=2000, help="bootstrap resamples for the CIs (default 2000)")
    s.add_argument("--draws", type=int, default=10_000,
                   help="random-weight draws on the SYNTHETIC panel (default 10000; 0 skips)")
    s.add_argument("--scenarios", type=int, default=256,
                   help="scenarios of the sensitivity space on the SYNTHETIC panel (default 256; 0 skips)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.set_defaults(func=_cmd_replicate)

    s = sub.add_parser("accounts", help="digital-economy accounts: PIM, production function, DE/GDP (+ Monte Carlo)")
    s.add_argument("data", nargs="?", help="long CSV: city, year, Y, VA_ICT, L and I_ICT, I_N (or K_ICT, K_N); "
                   "default: the SYNTHETIC panel")
    s.add_argument("--cities", type=int, default=30, help="synthetic panel: number of cities (default 30)")
    s.add_argument("--years", type=int, default=12, help="synthetic panel: number of years (default 12)")
    s.add_argument("--seed", type=int, default=0, help="random seed (synthetic panel, Monte Carlo)")
    s.add_argument("--effects", choices=("none", "city", "year", "twoway"), default="twoway",
                   help="fixed effects of the production function (default twoway)")
    s.add_argument("--cov-type", choices=("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"),
                   default="cluster", help="standard errors (default: clustered by city)")
    s.add_argument("--delta-ict", type=float, default=0.315, help="ICT depreciation rate (default 0.315)")
    s.add_argument("--delta-n", type=float, default=0.096, help="non-ICT depreciation rate (default 0.096)")
    s.add_argument("--interpolate", action="store_true", help="interpolate missing investment years")
    s.add_argument("--mc", type=int, default=0, help="Monte Carlo scenarios for DE/GDP bands (default 0: none)")
    s.add_argument("--seed-figures", action="store_true", help="also print H3C DE/GDP by tier")
    s.add_argument("--out", help="optional CSV of the accounts by city and year")
    s.set_defaults(func=_cmd_accounts)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``citymodel`` command line (the console-script entry point).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit code: 0 on success, 1 for an error in the user's input (a one-line message on
        stderr), 2 for bad arguments.

    Examples
    --------
    >>> main(["info"])  # doctest: +SKIP
    0
    """
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CitymodelError, FileNotFoundError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sys.stderr.write(f"citymodel {args.command}: error: {msg}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
