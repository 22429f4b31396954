#!/usr/bin/env python3
"""The B_q investigation of examples/hotspot_upc/README.md (issue 18): the ISH model against the H1 and ALICE data at
flowprior's gamma+p best fit and at the IP-Glasma MAP (arXiv:2202.01998, N_q = 3: B_G = 4.45, B_q = 0.346,
sigma = 0.563, m = 0.246 GeV; docs/reference/physics.md §1), coherent and incoherent |t| spectra and their slopes,
and the profile chi^2 of B_q from a gamma+p posterior.

  /usr/bin/python3 examples/hotspot_upc/bq/run.py RUN_FOLDER [WIDE_FOLDER]

WIDE_FOLDER (optional): a run of bq/gamma_p_wide_bq.toml (B_q up to 8), whose posterior and profile are drawn too.

RUN_FOLDER holds a gamma+p stage (direct_gamma_p.csv, the model itself, when [checks] direct_reference ran; else
gamma_p.csv). Writes examples/hotspot_upc/figures/bq_*.png and prints the numbers the README quotes."""
import csv, math, os, subprocess, sys, tempfile
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIG = os.path.join(HERE, "..", "figures")
NAMES = ["B_G", "B_q", "sigma", "sigma_B", "ln_s0", "m", "lambda", "K"]


def table(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def data():
    d = {}
    for key, f, tcol, errs in [("h1_coh", "h1_2013_jpsi_coherent.csv", "t", ["stat", "sys"]),
                               ("h1_inc", "h1_2013_jpsi_incoherent.csv", "t", ["stat", "sys"]),
                               ("alice_coh", "alice_2021_jpsi_coherent_t.csv", "t_center", ["stat", "sys_uncorr", "sys_corr", "flux_model"]),
                               ("alice_inc", "alice_2023_jpsi_incoherent_t.csv", "t_center", ["stat", "sys_uncorr", "sys_corr"])]:
        rows = table(os.path.join(ROOT, "data", f))
        t = np.array([float(r[tcol]) for r in rows])
        y = np.array([float(r["value"]) for r in rows])
        e = np.sqrt(sum(np.array([float(r[c]) for r in rows]) ** 2 for c in errs))
        d[key] = (t, y, e)
    return d


def run_model(exe, points):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("label," + ",".join(NAMES) + "\n")
        for i, p in enumerate(points):
            f.write(str(i) + "," + ",".join(repr(float(p[n])) for n in NAMES) + "\n")
        name = f.name
    out = subprocess.run([exe, name], check=True, capture_output=True, text=True).stdout.splitlines()
    os.unlink(name)
    res = [dict() for _ in points]
    for line in out[1:]:
        label, kind, t, v = line.split(",")
        res[int(label)].setdefault(kind if not kind.startswith("obs:") else "obs", []).append((kind[4:], float(t), float(v)))
    return res


def observables(r, prefix):
    return np.array([v for name, t, v in r["obs"] if name.startswith(prefix)])


def chi2(r, d, key, prefix):
    t, y, e = d[key]
    m = observables(r, prefix)
    return float(np.sum(((np.log(y) - np.log(m)) / (e / y)) ** 2))


def slope(t, y, lo, hi, log_t=False):
    """Least-squares slope of ln y against |t| (or ln |t|) over [lo, hi]: -b (or -n)."""
    t = np.asarray(t); y = np.asarray(y)
    s = (t >= lo) & (t <= hi)
    x = np.log(t[s]) if log_t else t[s]
    return float(-np.polyfit(x, np.log(y[s]), 1)[0])


def data_slope(t, y, e, lo, hi, log_t=False):
    s = (t >= lo) & (t <= hi)
    x = np.log(t[s]) if log_t else t[s]
    w = (y[s] / e[s]) ** 2
    return float(-np.polyfit(x, np.log(y[s]), 1, w=np.sqrt(w))[0])


def main():
    folder = sys.argv[1]
    wide = sys.argv[2] if len(sys.argv) > 2 else None
    exe = os.path.join(ROOT, "build", "examples", "hotspot_spectra")
    stage = os.path.join(folder, "direct_gamma_p.csv")
    if not os.path.exists(stage):
        stage = os.path.join(folder, "gamma_p.csv")
    rows = table(stage)
    ll = np.array([float(r["log_likelihood"]) for r in rows])
    w = np.array([float(r["weight"]) for r in rows])
    X = {n: np.array([float(r[n]) for r in rows]) for n in NAMES}
    best = {n: X[n][np.argmax(ll)] for n in NAMES}
    d = data()

    # IP-Glasma MAP shape (sigma_B = 0: IP-Glasma has no width fluctuations in this fit); ln_s0 scanned, K fitted
    # (a pure normalisation: its best value is analytic in ln y), lambda as flowprior's best fit.
    ipg = {"B_G": 4.45, "B_q": 0.346, "sigma": 0.563, "sigma_B": 0.0, "m": 0.246, "lambda": best["lambda"], "K": 1.0}
    grid = np.linspace(math.log(2), math.log(40), 25)
    scan = run_model(exe, [dict(ipg, ln_s0=g) for g in grid])
    def fitted_k(r):
        res, wt = [], []
        for key, prefix in [("h1_coh", "h1_coh"), ("h1_inc", "h1_inc")]:
            t, y, e = d[key]
            res += list(np.log(y) - np.log(observables(r, prefix))); wt += list((y / e) ** 2)
        res, wt = np.array(res), np.array(wt)
        lnk = np.sum(wt * res) / np.sum(wt)
        return math.exp(lnk), float(np.sum(wt * (res - lnk) ** 2))
    fits = [fitted_k(r) for r in scan]
    i = int(np.argmin([c for k, c in fits]))
    ipg.update(ln_s0=float(grid[i]), K=fits[i][0])
    # The same with the best fit's width fluctuations (sigma_B), to separate the two effects.
    ipg_sb = dict(ipg, sigma_B=best["sigma_B"])
    scan2 = run_model(exe, [dict(ipg_sb, ln_s0=g, K=1.0) for g in grid])
    fits2 = [fitted_k(r) for r in scan2]
    i2 = int(np.argmin([c for k, c in fits2]))
    ipg_sb.update(ln_s0=float(grid[i2]), K=fits2[i2][0])

    points = [("flowprior gamma+p best fit", best), ("IP-Glasma MAP shape (sigma_B = 0)", ipg),
              ("IP-Glasma MAP shape, sigma_B of the best fit", ipg_sb)]
    res = run_model(exe, [p for _, p in points])
    print("point | B_G B_q sigma sigma_B ln_s0 m lambda K | chi2 H1 coh/8, inc/9, ALICE coh/6, inc/5 | "
          "coh slope 0.02-0.9 | inc slope 0.1-0.5 | inc power 1-6")
    t, y, e = d["h1_coh"]; ti, yi, ei = d["h1_inc"]
    print("H1 data | | | %.2f | %.2f | %.2f" % (data_slope(t, y, e, 0.0, 1.0), data_slope(ti, yi, ei, 0.0, 0.6),
                                               data_slope(ti, yi, ei, 1.0, 6.0, True)))
    summary = []
    for (label, p), r in zip(points, res):
        tc = [a for _, a, _ in r["p_coh"]]; yc = [b for _, _, b in r["p_coh"]]
        tn = [a for _, a, _ in r["p_inc"]]; yn = [b for _, _, b in r["p_inc"]]
        c = [chi2(r, d, "h1_coh", "h1_coh"), chi2(r, d, "h1_inc", "h1_inc"), chi2(r, d, "alice_coh", "alice_coh"),
             chi2(r, d, "alice_inc", "alice_inc")]
        s = (slope(tc, yc, 0.02, 0.9), slope(tn, yn, 0.1, 0.5), slope(tn, yn, 1.0, 6.0, True))
        summary.append((label, p, c, s))
        print("%s | %s | %.1f %.1f %.1f %.1f | %.2f | %.2f | %.2f" % (
            label, " ".join("%.3g" % p[n] for n in NAMES), *c, *s))
    mean_width = best["B_q"] * math.exp(best["sigma_B"] ** 2 / 2)
    print("best fit: mean hot-spot width B_q exp(sigma_B^2/2) = %.2f GeV^-2; coherent slope in the dilute limit "
          "<B> + B_G (1 - 1/N_q) = %.2f" % (mean_width, mean_width + best["B_G"] * 2 / 3))

    # Profile chi^2 of B_q: the smallest -2 ln L of the stage's particles in each B_q bin (a crude profile; the
    # particles cover the posterior, not every bin's optimum, so it is an upper bound).
    def profile(ll, bq, hi):
        edges = np.linspace(0.05, hi, int(round(hi / 0.15)) + 1)
        prof = []
        for a, b in zip(edges[:-1], edges[1:]):
            s = (bq >= a) & (bq < b)
            prof.append(-2 * ll[s].max() if s.any() else np.nan)
        return 0.5 * (edges[:-1] + edges[1:]), np.array(prof) - np.nanmin(prof)
    mids, prof = profile(ll, X["B_q"], 3.0)
    wide_rows = table(os.path.join(wide, "gamma_p.csv")) if wide else None

    os.makedirs(FIG, exist_ok=True)
    colours = ["C0", "C3", "C2"]
    fig, ax = plt.subplots(2, 2, figsize=(11, 8.5))
    for (label, p, c, s), r, col in zip(summary, res, colours):
        for k, a, key, ls in [("p_coh", ax[0, 0], "h1_coh", "-"), ("p_inc", ax[0, 1], "h1_inc", "-"),
                              ("pb_coh", ax[1, 0], "alice_coh", "-"), ("pb_inc", ax[1, 1], "alice_inc", "-")]:
            tt = np.array([a_ for _, a_, _ in r[k]]); yy = np.array([b_ for _, _, b_ in r[k]])
            a.plot(tt, yy, ls, color=col, label=label)
    for a, key, title in [(ax[0, 0], "h1_coh", "gamma+p coherent (H1, W = 75 GeV) [nb/GeV^2]"),
                          (ax[0, 1], "h1_inc", "gamma+p incoherent (H1) [nb/GeV^2]"),
                          (ax[1, 0], "alice_coh", "gamma+Pb coherent (ALICE) [mb/GeV^2]"),
                          (ax[1, 1], "alice_inc", "gamma+Pb incoherent (ALICE) [ub/GeV^2]")]:
        t, y, e = d[key]
        a.errorbar(t, y, e, fmt="ko", ms=4, label="data")
        a.set_yscale("log"); a.set_title(title, fontsize=10); a.set_xlabel("|t| [GeV^2]")
    ax[0, 0].set_xlim(0, 1.0); ax[0, 0].set_ylim(1, 1000)
    ax[0, 1].set_xscale("log"); ax[0, 1].set_xlim(0.05, 7); ax[0, 1].set_ylim(0.3, 300)
    ax[1, 0].set_xlim(0, 0.013); ax[1, 0].set_ylim(0.1, 20)
    ax[1, 1].set_xscale("log"); ax[1, 1].set_xlim(0.03, 1.1); ax[1, 1].set_ylim(1, 100)
    ax[0, 0].legend(fontsize=8)
    fig.suptitle("ISH at flowprior's gamma+p best fit and at the IP-Glasma MAP shape (ln s0, K fitted to H1)")
    fig.tight_layout(); fig.savefig(os.path.join(FIG, "bq_spectra.png"), dpi=110)

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].hist(X["B_q"], bins=40, weights=w, density=True, color="C0", alpha=0.6, label="box [0.05, 3]")
    ax[1].plot(mids, prof, "o-", color="C0", label="box [0.05, 3]")
    if wide_rows:
        wb = np.array([float(r["B_q"]) for r in wide_rows]); ww = np.array([float(r["weight"]) for r in wide_rows])
        wl = np.array([float(r["log_likelihood"]) for r in wide_rows])
        ax[0].hist(wb, bins=60, weights=ww, density=True, histtype="step", color="k", label="box [0.05, 8]")
        wm, wp = profile(wl, wb, 6.0)
        ax[1].plot(wm, wp, "s-", color="k", ms=3, label="box [0.05, 8]")
        print("wide box: B_q %.2f +- %.2f, P(B_q > 3) = %.2f" % (np.average(wb, weights=ww),
              np.sqrt(np.average((wb - np.average(wb, weights=ww)) ** 2, weights=ww)), ww[wb > 3].sum() / ww.sum()))
        print("wide-box profile:", " ".join("%.2f:%.1f" % (m_, p_) for m_, p_ in zip(wm, wp)))
    ax[0].axvspan(0.38 - 0.20, 0.38 + 0.20, color="C3", alpha=0.3, label="IP-Glasma B_q = 0.38 +- 0.20")
    ax[0].set_xlabel("B_q (median hot-spot width) [GeV^-2]"); ax[0].set_title("gamma+p posterior of B_q")
    ax[0].legend(fontsize=8)
    ax[1].set_xlabel("B_q [GeV^-2]"); ax[1].set_ylabel("min chi^2 - min (particles in the bin)")
    ax[1].set_ylim(-1, 40); ax[1].set_title("profile chi^2 of B_q (gamma+p)"); ax[1].legend(fontsize=8)
    fig.tight_layout(); fig.savefig(os.path.join(FIG, "bq_posterior_profile.png"), dpi=110)
    print("profile chi^2 by B_q bin:", " ".join("%.2f:%.1f" % (m_, p_) for m_, p_ in zip(mids, prof)))


if __name__ == "__main__":
    main()
