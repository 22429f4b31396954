"""Ctrl-C during C++ work (issue 20, friction 3): SIGINT sent to a child Python process raises KeyboardInterrupt
within 1 s in train_flow, in both samplers with a C++ likelihood, and in run, and what was computed so far is kept
(the ensemble chain and its file, which continue bitwise as one run; the SMC checkpoint, from which the run
resumes bitwise as one run; the run folder's checkpoint). Before, train_flow ran on for 30 s and a sampler with a
C++ likelihood noticed the interrupt only at its end, throwing the result away.

The child prints READY right before the long call (which would take minutes uninterrupted), the parent waits a
moment, sends SIGINT and times the child's INTERRUPTED line; the bound is the issue's 1 s (the hooks look every
20 ms, and no unit of work between two looks is longer than a few ms here)."""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time

import pytest

CHILD = r'''
import json, os, sys, time
import numpy as np
import flowprior as fp

mode, folder = sys.argv[1], sys.argv[2]
seen = []
progress = (lambda *values: seen.append(values[0])) if len(sys.argv) > 3 else False  # a progress callback on
kept = {}
try:
    if mode == "train_flow":
        x = np.random.default_rng(1).normal(size=(20000, 3)) * 0.5
        box = fp.Box(["a", "b", "c"], [-5.0] * 3, [5.0] * 3)
        print("READY", flush=True)
        fp.train_flow(x, box, epochs=100000, patience=100000, seed=1, progress=progress)
    elif mode == "ensemble":
        t = fp.target("gaussian", 4)
        backend = fp.HDFBackend(os.path.join(folder, "chain.h5"))
        sampler = fp.EnsembleSampler(t["likelihood"], t["box"], walkers=16, seed=3, backend=backend)
        print("READY", flush=True)
        sampler.run_mcmc(None, 10 ** 9)
    elif mode == "smc":
        t = fp.target("gaussian", 4)
        sampler = fp.PersistentSampler(t["likelihood"], t["box"], n_active=64, n_total=10 ** 9, precondition=False,
                                       max_iterations=10 ** 6, seed=5,
                                       checkpoint=os.path.join(folder, "smc.checkpoint"))
        print("READY", flush=True)
        sampler.run(progress=progress)
    elif mode == "run":
        print("READY", flush=True)
        fp.run(os.path.join(folder, "analysis.toml"), output=os.path.join(folder, "run"), progress=progress)
    print("FINISHED", flush=True)
except KeyboardInterrupt:
    print("INTERRUPTED", flush=True)
    kept["progress_calls"] = len(seen)
    if mode == "ensemble":
        kept.update(steps=sampler.iteration, file_steps=backend.iteration)
        # continue after the interrupt: the chain so far plus 25 steps is bitwise one uninterrupted run
        sampler.run_mcmc(None, 25)
        whole = fp.EnsembleSampler(t["likelihood"], t["box"], walkers=16, seed=3)
        whole.run_mcmc(None, kept["steps"] + 25)
        kept["continued_equal"] = bool(np.array_equal(whole.get_chain(), backend.get_chain()))
    elif mode == "smc":
        from flowprior import _flowprior as raw
        kept["checkpoint"] = os.path.exists(os.path.join(folder, "smc.checkpoint"))
        # resume from the checkpoint for two more iterations, and the same two iterations in one run
        sampler.options["max_iterations"] = 3
        # a checkpoint after iteration k >= 3 stops at once; ask for k + 2 after reading k from a resumed run
        probe = sampler.run()
        k = len(probe.iterations["beta"])
        sampler.options["max_iterations"] = k + 2
        resumed = sampler.run()
        fresh = fp.PersistentSampler(t["likelihood"], t["box"], n_active=64, n_total=10 ** 9, precondition=False,
                                     max_iterations=k + 2, seed=5).run()
        kept.update(iterations_before=k, iterations_after=len(resumed.iterations["beta"]),
                    resumed_equal=bool(np.array_equal(resumed.x, fresh.x) and resumed.log_z == fresh.log_z))
    print(json.dumps(kept), flush=True)
'''


def interrupt_child(tmp_path, mode, ready=lambda: True, settle=0.7, progress=False):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), mode, str(tmp_path)] + (["progress"] if progress else []),
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "READY"
        deadline = time.monotonic() + 60
        while not ready():
            assert time.monotonic() < deadline and child.poll() is None, f"{mode}: never got going"
            time.sleep(0.05)
        time.sleep(settle)
        assert child.poll() is None, f"{mode}: finished before the signal"
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        # Wait at most 10 s (old code ran on for minutes), then read the line.
        ready_to_read, _, _ = select.select([child.stdout], [], [], 10.0)
        latency = time.monotonic() - sent
        assert ready_to_read, f"{mode}: no reaction to SIGINT within 10 s"
        line = child.stdout.readline().strip()
        latency = time.monotonic() - sent
        print(f"{mode}: KeyboardInterrupt {latency:.3f} s after SIGINT")
        assert line == "INTERRUPTED", f"{mode}: {line!r}"
        kept = json.loads(child.stdout.readline())
        assert child.wait(timeout=120) == 0
    finally:
        if child.poll() is None:
            child.kill()
    return latency, kept


@pytest.mark.parametrize("progress", [False, True])
def test_ctrl_c_stops_train_flow(tmp_path, progress):
    latency, kept = interrupt_child(tmp_path, "train_flow", progress=progress)
    assert latency < 1.0, latency
    assert progress or kept["progress_calls"] == 0  # (the first epoch may not be over when the signal comes)


def test_ctrl_c_stops_the_ensemble_and_keeps_the_chain(tmp_path):
    latency, kept = interrupt_child(tmp_path, "ensemble")
    assert latency < 1.0, latency
    assert kept["steps"] > 0 and kept["file_steps"] == kept["steps"], kept
    assert kept["continued_equal"], kept


@pytest.mark.parametrize("progress", [False, True])
def test_ctrl_c_stops_the_smc_and_keeps_the_checkpoint(tmp_path, progress):
    latency, kept = interrupt_child(tmp_path, "smc", ready=lambda: (tmp_path / "smc.checkpoint").exists(),
                                    progress=progress)
    assert latency < 1.0, latency
    assert (kept["progress_calls"] > 0) == progress
    assert kept["checkpoint"] and kept["iterations_before"] >= 1, kept
    assert kept["iterations_after"] == kept["iterations_before"] + 2 and kept["resumed_equal"], kept


def test_ctrl_c_stops_run_and_keeps_the_checkpoint(tmp_path, source_dir):
    example = source_dir / "examples" / "linear_gaussian"
    for name in ("data_a.csv", "data_b.csv"):
        shutil.copy(example / name, tmp_path / name)
    text = (example / "analysis.toml").read_text()
    # Stage 1 asks for an ESS it will not reach for minutes (checkpointed); the rest is never reached.
    text = text.replace("n_total = 1024", "n_total = 100000000", 1)
    assert "n_total = 100000000" in text
    (tmp_path / "analysis.toml").write_text(text.replace("plots = true", "plots = false"))
    checkpoint = tmp_path / "run" / "stage1.checkpoint"
    latency, _ = interrupt_child(tmp_path, "run", ready=checkpoint.exists, settle=0.3)
    assert latency < 1.0, latency
    assert checkpoint.exists()
    assert not (tmp_path / "run" / "summary.json").exists()
