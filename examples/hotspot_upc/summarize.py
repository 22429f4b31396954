"""Markdown tables of HotSpot-UPC run folders: evidences, tension, verdicts, fit quality, mode weights, run times.

    /usr/bin/python3 examples/hotspot_upc/summarize.py RUN_DIR [RUN_DIR ...]
"""
import csv
import json
import os
import sys


def weighted_fraction(path, name, positive=True):
    """Weight of the particles with parameter `name` > 0 (the sigma mirror modes), and the Kish size."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    w = [float(r["weight"]) for r in rows]
    total = sum(w)
    plus = sum(wi for wi, r in zip(w, rows) if float(r[name]) > 0)
    ess = total * total / sum(wi * wi for wi in w)
    return plus / total, ess


def fmt(v, digits=3):
    return "n/a" if v is None else f"{v:.{digits}g}" if isinstance(v, float) else str(v)


def main(folders):
    for folder in folders:
        s = json.load(open(os.path.join(folder, "summary.json")))
        print(f"### {os.path.basename(os.path.normpath(folder))}\n")
        print("| run | datasets | log Z | ESS | converged | wall s | likelihood calls |")
        print("|---|---|---|---|---|---|---|")
        runs = list(s["stages"].items()) + [("joint", s["joint"])]
        for extra in ("b_alone", "mixture_check", "reverse1", "reverse2"):
            if os.path.exists(os.path.join(folder, extra + "_diagnostics.json")):
                runs.append((extra, {}))
        for name, rec in runs:
            d = json.load(open(os.path.join(folder, name + "_diagnostics.json")))
            lz = d.get("log_z")
            lz = f"{lz:.2f} ± {d.get('log_z_err', 0):.2f}" if isinstance(lz, (int, float)) else "n/a"
            print(f"| {name} | {', '.join(rec.get('datasets', []))} | {lz} | {d.get('effective_size', 0):.0f} | "
                  f"{rec.get('converged', d.get('converged', True))} | {d.get('wall_seconds', float('nan')):.1f} | {d.get('likelihood_calls', 'n/a')} |")
        for system, e in s.get("emulators", {}).items():
            v = json.load(open(os.path.join(folder, e["validation"])))
            print(f"\nemulator {system}: {v.get('components')} components, held-out coverage 68% "
                  f"{v['pooled']['coverage68']:.3f}, 95% {v['pooled']['coverage95']:.3f}, trustworthy {v['trustworthy']}, "
                  f"built in {v.get('total_seconds', float('nan')):.1f} s (model runs {v.get('model_seconds', float('nan')):.1f} s)")
            r = e.get("error_ratio")
            if r and "p95" in r:  # emulator sd / data error at posterior points (README "Emulators that do not widen")
                w = r.get("worst", {})
                print(f"  emulator sd / data error at {r.get('points')} posterior points: median {r['median']:.3f}, "
                      f"95th percentile {r['p95']:.3f}, max {r['max']:.3f}; worst data point {w.get('data_point')} "
                      f"(median {w.get('median', float('nan')):.3f}, 95th percentile {w.get('p95', float('nan')):.3f}); "
                      f"{100 * r.get('fraction_points_above_third', 0):.1f}% of the points have a data point above 1/3 "
                      f"({r.get('file')})")
        for flow in sorted(f for f in os.listdir(folder) if f.startswith("flow_") and f.endswith(".json")
                           and not f.endswith(".training.json")):
            summ = json.load(open(os.path.join(folder, flow)))["training"]["summary"]
            print(f"\n{flow}: {summ['epochs']} epochs ({summ['stop_reason']}), {summ['wall_seconds']:.1f} s")
        t = s["tension"]
        print(f"\ntension: log R = {fmt(t.get('log_r'))} ± {fmt(t.get('log_r_err'))}, log S = {fmt(t.get('log_s'))}, "
              f"d = {fmt(t.get('bmd'))}, suspiciousness p = {fmt(t.get('suspiciousness_p'))}, tension = {t.get('tension')}")
        c = s["comparison"]
        print(f"sequential vs joint: **{c['verdict']}**; C2ST {fmt(c.get('c2st'))} (floor {fmt(c.get('c2st_noise'))}), "
              f"<D_KL> {fmt(c.get('d_kl'))} (floor {fmt(c.get('d_kl_noise'))})")
        for r in c.get("reasons", []):
            print(f"  - {r}")
        fp = s["flow_prior_check"]
        print(f"flow-prior check: ESS fraction {fmt(fp.get('ess_fraction'))}; corrected vs joint: "
              f"{fp.get('comparison_with_joint', {}).get('verdict', 'n/a')}")
        print(f"lost modes: detected = {s['lost_modes'].get('detected')}, "
              f"mass where the flow excludes = {fmt(s['lost_modes'].get('mass_where_flow_excludes'))}")
        if "reverse_order" in s:
            r = s["reverse_order"]
            rc = r.get("comparison", {})
            print(f"reverse order vs joint: **{rc.get('verdict')}**; flow-prior ESS fraction "
                  f"{fmt(r.get('flow_prior_check', {}).get('ess_fraction'))}")
            for reason in rc.get("reasons", []):
                print(f"  - {reason}")
        stages = list(s["stages"].items()) + list(s.get("reverse_order", {}).get("stages", {}).items())
        for name, rec in stages:
            h = rec.get("hand_over")
            if h and "effective_samples_inside" in h:
                print(f"hand-over coverage {name}: {h['effective_samples_inside']:.0f} effective samples of "
                      f"{h.get('earlier_stage')} inside ({100 * h['fraction_inside']:.2g}% of its mass), resolution "
                      f"{fmt(h.get('resolution_sd'), 2)} posterior sd")
        for w in s.get("warnings", []):
            print(f"warning: {w}")
        print("\nfit quality (chi^2 at each run's best particle; model = the ISH model itself, emu = emulator incl. its "
              "covariance):\n")
        print("| run | " + " | ".join(s["fit_quality"]["joint"]["datasets"].keys()) + " |")
        print("|---|" + "---|" * len(s["fit_quality"]["joint"]["datasets"]))
        for run, f in s["fit_quality"].items():
            cells = []
            for name in s["fit_quality"]["joint"]["datasets"]:
                e = f["datasets"].get(name)
                cells.append("" if e is None else
                             f"{e.get('chi2_model', e['chi2']):.1f}/{e['n']} (emu {e['chi2']:.1f})")
            print(f"| {run} | " + " | ".join(cells) + " |")
        names = s["parameters"]
        if "sigma" in names:  # the mirror modes of scenario M (sigma signed)
            fractions = {run: weighted_fraction(os.path.join(folder, run + ".csv"), "sigma")
                         for run in list(s["stages"].keys()) + ["joint"]}
            if min(f for f, _ in fractions.values()) < 0.99:
                print()
                for run, (frac, ess) in fractions.items():
                    print(f"- weight of the sigma > 0 mode in {run}: {frac:.3f} (Kish ESS {ess:.0f}; "
                          f"binomial sd {0.5 / ess ** 0.5:.3f})")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
