#!/usr/bin/python3
"""Posterior predictive plots of a `flowprior run` folder (called from run_plots.py; by hand: predictive_plots.py DIR
or scripts/plot_predictive.py DIR).
predictive_DATASET.png per dataset, from predictive_DATASET.csv and predictive.json (src/workflow/predictive.cpp):
  top:    the data with their total experimental error bars, and per run (stages, joint) the model's median and
          68% (dark) / 95% (light) bands over posterior draws, against the dataset's kinematic variable (x_column)
          with its axis labels and log axes from the configuration (the joint run's bands outlined: 68% dashed,
          95% dotted); against the observable index without x_column (each observable a separate bar, not a curve)
  bottom: (data - median) / error per run
"""
import csv
import json
import os
import sys

import numpy as np


def run_colours(runs):
    """First stage C0 and the last stage C1 as in corner.png, other stages C2.., the joint run black."""
    stages = [r for r in runs if r != "joint"]
    colours = {}
    for k, r in enumerate(stages):
        colours[r] = "C0" if k == 0 else ("C1" if k == len(stages) - 1 else f"C{k + 1}")
    colours["joint"] = "k"
    return colours


def read_rows(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    by_run = {}
    for row in rows:
        by_run.setdefault(row["stage"], []).append(row)
    return by_run


def column(rows, key):
    return np.array([float(r[key]) for r in rows])


def plot_dataset(folder, name, rec, runs, colours):
    import matplotlib.pyplot as plt
    path = os.path.join(folder, rec["csv"])
    if not os.path.exists(path):
        return
    by_run = read_rows(path)
    runs = [r for r in runs if r in by_run]
    if not runs:
        return
    first = by_run[runs[0]]
    x, value, error = column(first, "x"), column(first, "value"), column(first, "error")
    by_index = not rec.get("x_column")
    order = np.argsort(x, kind="stable")
    fig, (ax, ax_pull) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    width = 0.8 / (len(runs) + 1)
    for k, run in enumerate(runs):
        rows = by_run[run]
        c = colours.get(run, f"C{k}")
        med = column(rows, "median")
        lo68, hi68 = column(rows, "lower68"), column(rows, "upper68")
        lo95, hi95 = column(rows, "lower95"), column(rows, "upper95")
        fitted = rec.get("stages", {}).get(run, {}).get("fitted")
        label = f"{run} ({'fitted' if fitted else 'predicted'})" if fitted is not None else run
        if by_index:
            xs = x + (k - (len(runs) - 1) / 2) * width
            ax.vlines(xs, lo95, hi95, color=c, lw=2, alpha=0.35)
            ax.vlines(xs, lo68, hi68, color=c, lw=5, alpha=0.7)
            ax.plot(xs, med, "_", color=c, ms=10, mew=2, label=label)
        else:
            xs = x[order]
            if run == "joint":  # outlined, so the stages' filled bands stay visible under it
                for lo, hi, ls in ((lo68, hi68, "--"), (lo95, hi95, ":")):
                    ax.plot(xs, lo[order], color=c, lw=1.0, ls=ls)
                    ax.plot(xs, hi[order], color=c, lw=1.0, ls=ls)
            else:
                ax.fill_between(xs, lo95[order], hi95[order], color=c, alpha=0.12, lw=0)
                ax.fill_between(xs, lo68[order], hi68[order], color=c, alpha=0.3, lw=0)
            ax.plot(xs, med[order], color=c, lw=1.3, label=label)
        with np.errstate(divide="ignore", invalid="ignore"):
            pull = (value - med) / error
        ax_pull.plot(x + ((k - (len(runs) - 1) / 2) * width if by_index else 0), pull, "o", color=c, ms=3.5)
    # By index the data take their own slot left of the runs' bars; along x they sit on the bands.
    x_data = x - (len(runs) / 2 + 0.5) * width if by_index else x
    ax.errorbar(x_data, value, yerr=error, fmt="o", color="crimson", ms=4, capsize=2, zorder=5,
                label="pseudo-data (model + noise)" if rec.get("pseudo_data") else "data")
    ax_pull.axhline(0, color="grey", lw=0.8)
    for s in (-2, 2):
        ax_pull.axhline(s, color="grey", lw=0.6, ls=":")
    if rec.get("x_log") and not by_index and np.all(x > 0):
        ax.set_xscale("log")
    if rec.get("y_log") and np.all(value > 0):
        ax.set_yscale("log")
    ax.set_ylabel(rec.get("y_label") or name)
    ax_pull.set_xlabel(rec.get("x_label") or "observable index")
    ax_pull.set_ylabel("(data - median) / error")
    if by_index:
        ax_pull.set_xticks(x)
    ax.legend(fontsize=8, title="model: median, 68% / 95% bands", title_fontsize=8)
    ax.set_title(f"dataset {name}: posterior predictive")
    fig.tight_layout()
    fig.savefig(os.path.join(folder, f"predictive_{name}.png"), dpi=100)
    plt.close(fig)


def plot_predictive(folder):
    path = os.path.join(folder, "predictive.json")
    if not os.path.exists(path):
        return
    with open(path) as f:
        pred = json.load(f)
    runs = pred.get("run_order", [])
    colours = run_colours(runs)
    for name, rec in pred.get("datasets", {}).items():
        if "error" in rec:
            continue
        plot_dataset(folder, name, rec, runs, colours)


if __name__ == "__main__":
    import matplotlib
    matplotlib.use("Agg")
    plot_predictive(sys.argv[1])
