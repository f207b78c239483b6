"""Save the standard uncertainty/sensitivity figures of a result to a folder."""

from __future__ import annotations

from pathlib import Path

__all__ = ["save_figures"]


def save_figures(result, folder: str | Path, *, top: int = 40) -> list[Path]:
    """Write the JRC rank-uncertainty plot and, when available, the tier-probability heatmap,
    the R_S distribution, Sobol bars, the city x factor heatmap and the convergence plot.

    Returns the paths written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import plot

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [("rank_uncertainty.png", lambda ax: plot.rank_uncertainty(result, ax=ax, top=top), (10, 4.5)),
            ("rank_shift_distribution.png", lambda ax: plot.rank_shift_distribution(result, ax=ax), (5, 3.5))]
    if "tier_prob" in result.stats:
        jobs.append(("tier_probability.png", lambda ax: plot.tier_probability_heatmap(result, ax=ax, top=top),
                     (6, 9)))
    if getattr(result, "indices", None) is not None:
        jobs += [("sobol_rs.png", lambda ax: plot.sobol_bars(result, ax=ax), (6, 3.5)),
                 ("sobol_city_heatmap.png", lambda ax: plot.sobol_heatmap(result, ax=ax, top=top), (6, 9))]
    if getattr(result, "convergence", None) is not None:
        jobs.append(("sobol_convergence.png", lambda ax: plot.convergence_plot(result, ax=ax), (6, 3.5)))
    out = []
    for name, draw, size in jobs:
        fig, ax = plt.subplots(figsize=size)
        draw(ax)
        fig.tight_layout()
        p = folder / name
        fig.savefig(p, dpi=110)
        plt.close(fig)
        out.append(p)
    return out
