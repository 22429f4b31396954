#!/usr/bin/env python3
"""Writes the example's pseudo-data (early.csv, late.csv) from sim.py at A = 1.2, k = 0.7, B = 0.15 with Gaussian
noise of a fixed seed: 5% relative errors early, absolute 0.02 late. Run once; the CSVs are committed."""
import random
import sim

random.seed(17)
truth = {"A": 1.2, "k": 0.7, "B": 0.15}
for mode, times in (("early", sim.EARLY), ("late", sim.LATE)):
    ys = sim.outputs(mode, truth)
    with open(mode + ".csv", "w") as f:
        f.write("t,value,error\n")
        for t, y in zip(times, ys):
            err = 0.05 * y if mode == "early" else 0.02
            f.write("%g,%.6g,%.3g\n" % (t, y + random.gauss(0, err), err))
