#!/usr/bin/env python3
"""A user's simulator, as flowprior runs it: `python3 sim.py MODE IN.csv OUT.csv`.

IN.csv has a header of parameter names and one parameter point per row; OUT.csv gets a header of output names
and one row of outputs per point, in the same order. flowprior never sees this code: it only runs the command.

The physics (a toy): a signal that builds up and decays, y(t) = A k t exp(-k t).
  MODE early: the signal at eight early times t = 0.25 ... 2.0 (a measurement that sees no background);
  MODE late:  the signal plus a flat background B at eight late times t = 2.5 ... 6.0.
"""
import csv
import math
import os
import sys

EARLY = [0.25 * (i + 1) for i in range(8)]
LATE = [2.5 + 0.5 * i for i in range(8)]


def outputs(mode, p):
    a, k = p["A"], p["k"]
    if mode == "early":
        return [a * k * t * math.exp(-k * t) for t in EARLY]
    return [a * k * t * math.exp(-k * t) + p["B"] for t in LATE]


def main():
    mode, inp, out = sys.argv[1], sys.argv[2], sys.argv[3]
    times = EARLY if mode == "early" else LATE
    with open(inp) as f:
        points = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
    with open(out, "w") as f:
        f.write(",".join("y_t%g" % t for t in times) + "\n")
        for p in points:
            f.write(",".join(repr(y) for y in outputs(mode, p)) + "\n")
    # Each call counted next to the outputs, in the run folder (the test checks that a rerun never calls it again).
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "sim_calls.log"), "a") as f:
        f.write("%s %d\n" % (mode, len(points)))


if __name__ == "__main__":
    main()
