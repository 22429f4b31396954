#!/usr/bin/python3
"""Plot of the loss-study table: one row of panels per dataset, one column per metric, each next to its noise floor.

Usage: /usr/bin/python3 plot.py results.csv loss_study.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

LOSS_COLOURS = {"nll": "#1f77b4", "kl": "#2ca02c", "jeffreys": "#d62728"}


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    return float("nan") if text == "NA" else float(text)


def group(row):
    """Repeated splits of one input ("ipglasma7d-1", "ipglasma7d-2", ...) share one row of panels."""
    return row["dataset"].split("-")[0]


def panel_first_metric(rows):
    """Exact KL(p||q) where the density is known (floor 0), else the held-out NLL (floors differ per split)."""
    if all(r["exact_kl"] != "NA" for r in rows):
        return ("exact KL(p‖q) [nats]", [number(r["exact_kl"]) for r in rows],
                [number(r["exact_kl_se"]) for r in rows], 0.0)
    return ("held-out NLL [nats]", [number(r["nll_heldout"]) for r in rows], [number(r["nll_se"]) for r in rows],
            None)


def main(csv_path, png_path):
    rows = read_rows(csv_path)
    datasets = list(dict.fromkeys(group(r) for r in rows))
    fig, axes = plt.subplots(len(datasets), 4, figsize=(15, 3.2 * len(datasets)), squeeze=False)
    for i, name in enumerate(datasets):
        sub = [r for r in rows if group(r) == name]
        x = np.arange(len(sub))
        colours = [LOSS_COLOURS.get(r["loss"], "grey") for r in sub]
        hatches = ["//" if r["weights"] == "no" else "" for r in sub]
        labels = [r["arch"] + ("" if r["weights"] == "-" else " w:" + r["weights"]) +
                  ("" if r["dataset"] == name else " split " + r["dataset"].split("-")[1]) for r in sub]
        title0, values0, errors0, floor0 = panel_first_metric(sub)
        panels = [
            (title0, values0, errors0, floor0, "floor"),
            ("⟨D_KL⟩ / its noise floor", [number(r["dkl"]) / number(r["dkl_floor"]) for r in sub], None, 1.0,
             "= floor"),
            ("C2ST accuracy", [number(r["c2st"]) for r in sub], None, [number(r["c2st_floor"]) for r in sub], "floor"),
            ("max |moment z|", [number(r["z_max"]) for r in sub], None, [number(r["z_max_floor"]) for r in sub],
             "floor"),
        ]
        for j, (title, values, errors, floor, floor_label) in enumerate(panels):
            ax = axes[i][j]
            bars = ax.bar(x, values, yerr=errors, color=colours, edgecolor="black", linewidth=0.4, capsize=2)
            for bar, hatch in zip(bars, hatches):
                bar.set_hatch(hatch)
            if isinstance(floor, list):  # one floor per bar (per split)
                ax.step(np.append(x, x[-1] + 1) - 0.5, floor + floor[-1:], where="post", color="black",
                        linestyle="--", linewidth=0.8, label=floor_label)
            elif floor is not None:
                ax.axhline(floor, color="black", linestyle="--", linewidth=0.8, label=floor_label)
            if j == 1 or j == 3:
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
                ax.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            if j == 2:
                ax.set_ylim(0.45, max(0.6, max(values) + 0.02))
            ax.set_xticks(x)
            ax.set_xticklabels(labels, rotation=90, fontsize=7)
            ax.set_title(f"{name}: {title}", fontsize=9)
            ax.tick_params(axis="y", labelsize=7)
            if floor is not None:
                ax.legend(fontsize=7, loc="upper left")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in LOSS_COLOURS.values()]
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="black", hatch="//"))
    fig.legend(handles, list(LOSS_COLOURS) + ["weights ignored"], loc="upper center", ncol=4, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(png_path, dpi=70)
    print(f"plot: wrote {png_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
