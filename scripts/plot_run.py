#!/usr/bin/python3
"""Plots of a `flowprior run` folder: a thin wrapper of the package's python/flowprior/run_plots.py (the plotting
code lives in the Python package, so flowprior.run(plots=True) does not need the source tree).
Usage: plot_run.py RUN_FOLDER
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "flowprior"))
from run_plots import main  # noqa: E402

if __name__ == "__main__":
    main()
