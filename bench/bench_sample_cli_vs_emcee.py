#!/usr/bin/python3
"""`flowprior sample --target gaussian --dim 10 --walkers 32 --steps 50000 --json` against emcee (issue 21, row 4).

One invocation, one thread on both sides (OPENBLAS/OMP_NUM_THREADS=1, our --threads 1):
1. the command itself: wall time and where it goes (the JSON's phase_seconds: sampling incl. handing steps to the
   HDF5 writer, reading the file back, diagnostics, digest); diagnostics / sampling is the issue's ratio;
2. bench_diagnostics: the same run in memory, sampler and diagnostics timed alone (best of 3);
3. emcee 3 (vectorize=True, its fastest mode) on the same target (N(0, S), S_ij = 0.9^|i-j|, box [-10, 10]^10,
   32 walkers, stretch move): proposals per second;
4. emcee's integrated_time (get_autocorr_time of its HDFBackend reading OUR chain file, same discard): its time
   and its tau against ours (same definition: the values must agree to rounding).

Usage: /usr/bin/python3 bench/bench_sample_cli_vs_emcee.py <build-dir> [--steps N] [--emcee-steps N]
"""
import json, os, resource, subprocess, sys, tempfile, time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
import numpy as np
import emcee

build = sys.argv[1] if len(sys.argv) > 1 else "build"
args = sys.argv[2:]
steps = int(args[args.index("--steps") + 1]) if "--steps" in args else 50000
emcee_steps = int(args[args.index("--emcee-steps") + 1]) if "--emcee-steps" in args else 5000
d, walkers, discard = 10, 32, steps // 4

print("machine:", subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout.strip())
print("load:", os.getloadavg())
print("emcee", emcee.__version__, "numpy", np.__version__)

with tempfile.TemporaryDirectory() as tmp:
    h5, js = os.path.join(tmp, "chain.h5"), os.path.join(tmp, "r.json")
    t0 = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([os.path.join(build, "flowprior"), "sample", "--target", "gaussian", "--dim", str(d), "--walkers",
                    str(walkers), "--steps", str(steps), "--seed", "1", "--threads", "1", "--no-progress", "--out", h5,
                    "--json", js], check=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    r = json.load(open(js))
    ph = r["phase_seconds"]
    print(f"\n== flowprior sample ... --steps {steps} --json: wall {wall:.3f} s, CPU (user + sys) {cpu:.3f} s ==")
    for k, v in ph.items():
        print(f"  {k:24s} {v:8.3f} s")
    print(f"  diagnostics / sampling = {ph['diagnostics'] / ph['sampling_and_buffering']:.2f} (goal <= 0.20)")

    # emcee's integrated_time on our chain, timed.
    backend = emcee.backends.HDFBackend(h5, read_only=True)
    chain = backend.get_chain(discard=discard)
    t0 = time.perf_counter()
    tau_e = emcee.autocorr.integrated_time(chain, quiet=True)
    sec_e_tau = time.perf_counter() - t0
    tau_o = np.array(r["autocorr_time"])
    print(f"  emcee integrated_time on the same chain: {sec_e_tau:.3f} s; max |tau ours / emcee - 1| = "
          f"{np.max(np.abs(tau_o / tau_e - 1)):.2e} (tau mean {tau_o.mean():.2f})")

mem = json.loads(subprocess.run([os.path.join(build, "bench", "bench_diagnostics"), "gaussian", str(d), str(walkers),
                                  str(steps), "1", "3"], check=True, capture_output=True, text=True).stdout)
print(f"\n== in memory (bench_diagnostics, best of 3) ==\n  sampling {mem['sampling']:.3f} s "
      f"({mem['proposals_per_second']:.3g} proposals/s), autocorr {mem['autocorr']:.3f} s, all diagnostics "
      f"{mem['diagnose']:.3f} s: diagnostics / sampling = {mem['diagnose'] / mem['sampling']:.2f}; by CPU time "
      f"{mem['diagnose_cpu']:.3f} s / {mem['sampling_cpu']:.3f} s = {mem['diagnose_cpu'] / mem['sampling_cpu']:.2f}")

cov = 0.9 ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
prec = np.linalg.inv(cov)


def lp(x):
    x = np.atleast_2d(x)
    out = -0.5 * np.einsum("ij,jk,ik->i", x, prec, x)
    out[np.any(np.abs(x) > 10, axis=1)] = -np.inf
    return out


rng = np.random.default_rng(1)
s = emcee.EnsembleSampler(walkers, d, lp, vectorize=True)
t0, c0 = time.perf_counter(), time.process_time()
s.run_mcmc(rng.uniform(-10, 10, size=(walkers, d)), emcee_steps, progress=False)
rate_e = emcee_steps * walkers / (time.perf_counter() - t0)
rate_e_cpu = emcee_steps * walkers / (time.process_time() - c0)
rate_o_cpu = steps * walkers / mem["sampling_cpu"]
print(f"\n== proposals per second, 10-D gaussian, 32 walkers, 1 thread ==\n  emcee vectorized {rate_e:12.0f}\n"
      f"  flowprior (in memory) {mem['proposals_per_second']:12.0f}: {mem['proposals_per_second'] / rate_e:.1f}x\n"
      f"  flowprior (command, HDF5 writer) {steps * walkers / ph['sampling_and_buffering']:12.0f}: "
      f"{steps * walkers / ph['sampling_and_buffering'] / rate_e:.1f}x (goal >= 100x)\n"
      f"  by CPU time (load-robust): emcee {rate_e_cpu:12.0f}, flowprior in memory {rate_o_cpu:12.0f}: "
      f"{rate_o_cpu / rate_e_cpu:.1f}x")
print("load:", os.getloadavg())
