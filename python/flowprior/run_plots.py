#!/usr/bin/python3
"""Plots of a `flowprior run` folder (called by `flowprior run` itself; run it by hand with /usr/bin/python3):
  corner.png       stage 1, the last stage and the joint run overlaid: 1-D marginals, 2-D 68/95% contours
  smc_progress.png log Z and ESS against iteration for every SMC run
  flow_training.png training and validation loss of each flow hand-over
  predictive_*.png  data against the model's posterior predictive bands per run (predictive_plots.py)
From Python: flowprior.plot_run(folder). As a script (what `flowprior run` and flowprior.run(plots=True) call, with
/usr/bin/python3): run_plots.py RUN_FOLDER; scripts/plot_run.py is a thin wrapper of it for the source tree.
"""
import csv
import json
import os
import sys

import numpy as np


def read_weighted(path, names):
    """Columns `names` of a run's CSV and its normalised weights; a parameter the run does not have (a stage that
    fixes or does not use it, docs/stages.md) is a column of NaN."""
    with open(path) as f:
        rows = list(csv.reader(f))
    header, data = rows[0], np.array(rows[1:], dtype=float)
    x = np.column_stack([data[:, header.index(n)] if n in header else np.full(len(data), np.nan) for n in names])
    w = data[:, header.index("weight")] if "weight" in header else np.ones(len(data))
    return x, w / w.sum()


def weighted_quantile(x, w, q):
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    return x[order][min(np.searchsorted(cum, q * cum[-1]), len(x) - 1)]


def contour_levels(h, masses=(0.95, 0.68)):
    flat = np.sort(h.ravel())[::-1]
    cum = np.cumsum(flat) / flat.sum()
    return sorted({flat[min(np.searchsorted(cum, m), len(flat) - 1)] for m in masses})


def axis_label(summary, name):
    """Parameter name with its unit from the configuration's [units] table (summary.json "units")."""
    unit = summary.get("units", {}).get(name, "")
    return f"{name} [{unit}]" if unit else name


def corner(folder, summary, names):
    import matplotlib.pyplot as plt
    stages = list(summary["stages"].keys())
    runs = [(stages[0], "C0")]
    if len(stages) > 1:
        runs.append((stages[-1], "C1"))
    if "joint" in summary:
        runs.append(("joint", "k"))
    samples = {r: read_weighted(os.path.join(folder, r + ".csv"), names) for r, _ in runs}
    d = len(names)
    # Ranges from the joint and last stage (stage 1 alone may be much wider: clip it to the union).
    # Weighted quantiles: SMC particles with negligible weight (early warm-up draws) must not set the range.
    def has(x, i):
        return not np.isnan(x[:, i]).any()
    lo = np.array([min(weighted_quantile(x[:, i], w, 0.001) for x, w in samples.values() if has(x, i))
                   for i in range(len(names))])
    hi = np.array([max(weighted_quantile(x[:, i], w, 0.999) for x, w in samples.values() if has(x, i))
                   for i in range(len(names))])
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    fig, axes = plt.subplots(d, d, figsize=(2.6 * d + 1, 2.6 * d + 1), squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            for run, colour in runs:
                x, w = samples[run]
                if not (has(x, i) and has(x, j)):
                    continue
                if i == j:
                    ax.hist(x[:, i], bins=40, range=(lo[i], hi[i]), weights=w, density=True, histtype="step",
                            color=colour, label=run)
                else:
                    h, xe, ye = np.histogram2d(x[:, j], x[:, i], bins=30, range=[[lo[j], hi[j]], [lo[i], hi[i]]],
                                               weights=w)
                    levels = contour_levels(h)
                    if len(levels) == 2 and levels[0] < levels[1]:
                        xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
                        ax.contour(xc, yc, h.T, levels=levels, colors=colour, linewidths=1.0)
            if i == d - 1:
                ax.set_xlabel(axis_label(summary, names[j]))
            if j == 0 and i > 0:
                ax.set_ylabel(axis_label(summary, names[i]))
            if i == j:
                ax.set_yticks([])
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.05, 1.0), title="68/95% contours")
    fig.suptitle("posterior: first stage, sequential result, joint run")
    fig.tight_layout()
    fig.savefig(os.path.join(folder, "corner.png"), dpi=110)
    plt.close(fig)


def smc_progress(folder, summary):
    import matplotlib.pyplot as plt
    runs = list(summary["stages"].keys()) + ["joint", "b_alone", "mixture_check"]
    fig, (ax_z, ax_e) = plt.subplots(1, 2, figsize=(11, 4))
    plotted = False
    for run in runs:
        path = os.path.join(folder, run + "_diagnostics.json")
        if not os.path.exists(path):
            continue
        diag = json.load(open(path))
        it = diag.get("iterations")
        if not it:
            continue
        n = [s["iteration"] for s in it]
        ax_z.plot(n, [s["log_z"] for s in it], marker=".", label=run)
        ax_e.plot(n, [s["ess"] for s in it], marker=".", label=run)
        plotted = True
    if not plotted:
        plt.close(fig)
        return
    ax_z.set_xlabel("SMC iteration")
    ax_z.set_ylabel("log Z estimate (at current beta)")
    ax_e.set_xlabel("SMC iteration")
    ax_e.set_ylabel("effective sample size")
    ax_z.legend()
    ax_e.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(folder, "smc_progress.png"), dpi=110)
    plt.close(fig)


def flow_training(folder, summary):
    import matplotlib.pyplot as plt
    curves = [(name, s) for name, s in summary["stages"].items() if s.get("flow_train_loss")]
    if not curves:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for k, (name, s) in enumerate(curves):
        ax.plot(s["flow_train_loss"], color=f"C{k}", label=f"{name}: training")
        if s.get("flow_validation_loss"):
            ax.plot(s["flow_validation_loss"], color=f"C{k}", ls="--", label=f"{name}: validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (negative log-likelihood per sample)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(folder, "flow_training.png"), dpi=110)
    plt.close(fig)


def plot_run(folder):
    """Writes the figures of a `flowprior run` folder into it: corner.png, smc_progress.png, flow_training.png and
    predictive_DATASET.png (needs matplotlib; uses the current backend, e.g. inline in Jupyter)."""
    with open(os.path.join(folder, "summary.json")) as f:
        summary = json.load(f)
    names = summary["parameters"]
    corner(folder, summary, names)
    smc_progress(folder, summary)
    flow_training(folder, summary)
    try:  # inside the package, or run as a script from its folder (`flowprior run` does that)
        from .predictive_plots import plot_predictive
    except ImportError:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from predictive_plots import plot_predictive  # type: ignore[no-redef]
    plot_predictive(folder)


def main(argv=None):
    """Command-line use: run_plots.py RUN_FOLDER (files only: the Agg backend)."""
    import matplotlib
    matplotlib.use("Agg")
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: run_plots.py RUN_FOLDER")
    plot_run(argv[0])


if __name__ == "__main__":
    main()
