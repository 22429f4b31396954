"""help() and IDEs, progress, warnings and plots (issue 20, frictions 10 and 11): a docstring on every public name,
inspect.signature on every exported function, py.typed and a .pyi stub that matches the compiled module (mypy's
stubtest when installed, and the stub regenerates identically), progress as a tqdm bar or a callback, warnings
through Python's warnings module, and the run plots inside the package."""
import importlib.util
import inspect
import os
import pathlib
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

import flowprior as fp

PACKAGE = pathlib.Path(fp.__file__).parent
SOURCE = pathlib.Path(__file__).resolve().parents[2]


def doc_text(obj):
    """The docstring without pybind11's signature lines."""
    lines = [line for line in (getattr(obj, "__doc__", None) or "").splitlines() if line.strip()]
    lines = [line for line in lines if not re.match(r"^\s*(\d+\. )?\w*\(.*\)( -> .*)?$", line)
             and line.strip() != "Overloaded function."]
    return " ".join(lines).strip()


def public_members(cls):
    for attr, value in vars(cls).items():
        if attr.startswith("_"):
            continue
        yield attr, (value.fget if isinstance(value, property) else value), value


def test_every_public_name_has_a_docstring():
    missing = []
    for name in fp.__all__:
        obj = getattr(fp, name)
        if not doc_text(obj):
            missing.append(name)
        if inspect.isclass(obj):
            missing += [f"{name}.{attr}" for attr, target, value in public_members(obj)
                        if not doc_text(target) and not doc_text(value)]
    assert not missing, missing


def test_inspect_signature_works_on_exported_functions():
    for name in fp.__all__:
        obj = getattr(fp, name)
        if inspect.isclass(obj) or not callable(obj):
            continue
        signature = inspect.signature(obj)  # raised ValueError for every compiled callable before
        assert signature.parameters is not None, name
    params = inspect.signature(fp.train_flow).parameters
    assert list(params)[:2] == ["samples", "box"] and params["arch"].default == fp.default_train_settings()["arch"]
    assert list(inspect.signature(fp.EnsembleSampler.run_mcmc).parameters)[1:3] == ["initial_state", "nsteps"]


def test_stub_and_marker_are_shipped_and_current(tmp_path):
    assert (PACKAGE / "py.typed").exists() and (PACKAGE / "_flowprior.pyi").exists()
    generated = subprocess.run([sys.executable, str(SOURCE / "python" / "tools" / "make_stubs.py")],
                               capture_output=True, text=True, check=True,
                               env=dict(os.environ, PYTHONPATH=str(PACKAGE.parent))).stdout
    assert generated.strip() == (SOURCE / "python" / "flowprior" / "_flowprior.pyi").read_text().strip(), \
        "python/flowprior/_flowprior.pyi is stale: regenerate it with python/tools/make_stubs.py"
    # Every name of the compiled module is in the stub, and nothing else.
    stub = (PACKAGE / "_flowprior.pyi").read_text()
    stub_names = set(re.findall(r"^(?:def|class) (\w+)", stub, re.M))
    runtime = {n for n in vars(fp._flowprior) if not n.startswith("__")}
    assert stub_names == runtime


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy (Debian's python3-mypy) not installed")
def test_stubtest_finds_no_inconsistency():
    here = pathlib.Path(__file__).parent
    r = subprocess.run([sys.executable, "-m", "mypy.stubtest", "--mypy-config-file", str(here / "stubtest_mypy.ini"),
                        "--allowlist", str(here / "stubtest_allowlist.txt"), "flowprior._flowprior"],
                       capture_output=True, text=True, cwd=PACKAGE.parent,
                       env=dict(os.environ, PYTHONPATH=str(PACKAGE.parent), MYPY_CACHE_DIR=os.devnull))
    assert r.returncode == 0, r.stdout + r.stderr


def test_progress_bar_or_callback_and_python_warnings(capsys):
    box = fp.Box(["a", "b"], [-5.0, -5.0], [5.0, 5.0])
    sampler = fp.EnsembleSampler(lambda x: -0.5 * np.sum(x ** 2, axis=1), box, walkers=8, seed=1)
    sampler.run_mcmc(None, 20, progress=True)
    err = capsys.readouterr().err
    assert "ensemble" in err and "20/20" in err  # a tqdm bar (or the plain line without tqdm), capturable
    seen = []
    sampler.run_mcmc(None, 5, progress=lambda done, total, acceptance: seen.append(done))
    assert seen[-1] == 5
    with pytest.warns(RuntimeWarning, match="stopped before convergence"):
        fp.PersistentSampler(lambda x: -0.5 * np.sum(x ** 2, axis=1), box, n_active=32, precondition=False,
                             max_iterations=2).run()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fp.PersistentSampler(lambda x: -0.5 * np.sum(x ** 2, axis=1), box, n_active=32, precondition=False).run()
    x = np.random.default_rng(1).normal(size=(200, 3))
    with pytest.warns(UserWarning, match="column 'c' is not a parameter"):
        fp.train_flow(x, box, names=["a", "b", "c"], epochs=1, layers=1, hidden=4)


def test_run_plots_live_in_the_package(tmp_path):
    pytest.importorskip("matplotlib")
    example = SOURCE / "examples" / "linear_gaussian"
    for name in ("analysis.toml", "data_a.csv", "data_b.csv"):
        shutil.copy(example / name, tmp_path / name)
    env_before = os.environ.pop("FLOWPRIOR_PLOT_SCRIPT", None)
    try:
        fp.run(str(tmp_path / "analysis.toml"), output=str(tmp_path / "run"), plots=True)
    finally:
        if env_before is not None:
            os.environ["FLOWPRIOR_PLOT_SCRIPT"] = env_before
    assert (tmp_path / "run" / "corner.png").stat().st_size > 1000
    assert pathlib.Path(fp.run_plots.__file__).parent == PACKAGE  # not the source tree's scripts/
    # the same figures from Python, and from the source tree's thin wrapper
    for png in (tmp_path / "run").glob("*.png"):
        png.unlink()
    import matplotlib
    matplotlib.use("Agg")
    fp.plot_run(str(tmp_path / "run"))
    assert (tmp_path / "run" / "smc_progress.png").exists()
    (tmp_path / "run" / "corner.png").unlink()
    subprocess.run(["/usr/bin/python3", str(SOURCE / "scripts" / "plot_run.py"), str(tmp_path / "run")], check=True)
    assert (tmp_path / "run" / "corner.png").exists()


def test_run_plots_with_stages_of_their_own_parameters(tmp_path):
    """A stage that fixes a parameter has no column for it (docs/stages.md): the corner plot leaves those panels
    to the runs that have it, and is written."""
    pytest.importorskip("matplotlib")
    example = SOURCE / "examples" / "linear_gaussian"
    for name in ("data_a.csv", "data_b.csv"):
        shutil.copy(example / name, tmp_path / name)
    text = (example / "analysis.toml").read_text()
    text = text.replace('name = "stage1"\n', 'name = "stage1"\nfixed = {intercept = -1.0}\n', 1)
    text = text.replace("n_total = 1024", "n_total = 256").replace("epochs = 100", "epochs = 20")
    (tmp_path / "analysis.toml").write_text(text)
    fp.run(str(tmp_path / "analysis.toml"), output=str(tmp_path / "run"), plots=False)
    header = (tmp_path / "run" / "stage1.csv").read_text().splitlines()[0]
    assert header.startswith("slope,weight"), header  # stage 1 frees the slope alone
    import matplotlib
    matplotlib.use("Agg")
    fp.plot_run(str(tmp_path / "run"))
    assert (tmp_path / "run" / "corner.png").stat().st_size > 1000
