#!/usr/bin/python3
"""Posterior predictive plots of a `flowprior run` folder: a thin wrapper of python/flowprior/predictive_plots.py.
Usage: plot_predictive.py RUN_FOLDER
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "flowprior"))
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from predictive_plots import plot_predictive  # noqa: E402

if __name__ == "__main__":
    plot_predictive(sys.argv[1])
