"""Progress and warnings of the long C++ loops (issue 20, friction 10): the persistent sampler, train_flow and run
report progress to a tqdm bar (progress=True) or a callable, between iterations/epochs, with sensible values and
totals, without changing any result bit; nothing of it (nor the C++ core's warnings) goes to the process's stderr:
the warnings arrive through Python's warnings module as flowprior.FlowpriorWarning."""
import pathlib
import shutil
import warnings

import numpy as np
import pytest

import flowprior as fp

SOURCE = pathlib.Path(__file__).resolve().parents[2]
BOX = fp.Box(["a", "b"], [-5.0, -5.0], [5.0, 5.0])


def gauss(x):
    return -0.5 * np.sum((x - 0.5) ** 2 / 0.3 ** 2, axis=1)


class RecordingBar:
    """Stands in for tqdm.auto.tqdm: records what the package asks of a tqdm bar."""
    made = []

    def __init__(self, total=None, desc=None, unit=None):
        self.total, self.desc, self.unit, self.n, self.postfix, self.closed = total, desc, unit, 0, {}, False
        RecordingBar.made.append(self)

    def set_postfix(self, values, refresh=True):
        self.postfix = dict(values)

    def refresh(self):
        pass

    def close(self):
        self.closed = True

    @staticmethod
    def write(line, file=None):
        RecordingBar.lines.append(line)

    lines = []


@pytest.fixture
def recording_tqdm(monkeypatch):
    tqdm_auto = pytest.importorskip("tqdm.auto")
    RecordingBar.made, RecordingBar.lines = [], []
    monkeypatch.setattr(tqdm_auto, "tqdm", RecordingBar)
    return RecordingBar


# -- the persistent sampler ---------------------------------------------------------------------------------------

def smc(**options):
    return fp.PersistentSampler(gauss, BOX, n_active=64, n_total=256, precondition=False, seed=3, **options)


def test_smc_progress_callback_values_totals_and_bitwise_same_result(capfd):
    calls = []
    with_progress = smc().run(progress=lambda *values: calls.append(values))
    without = smc().run()
    # every iteration once, in order, with the figures of its record and a total that ends exact
    it = with_progress.iterations
    assert [c[0] for c in calls] == list(range(1, len(it["beta"]) + 1))
    assert all(len(c) == 6 for c in calls)  # done, total, beta, ess, log_z, ess_at_one
    assert np.array_equal([c[2] for c in calls], it["beta"]) and np.array_equal([c[3] for c in calls], it["ess"])
    assert np.array_equal([c[4] for c in calls], it["log_z"])
    assert all(done <= total for done, total, *_ in calls) and calls[-1][1] == calls[-1][0]
    assert calls[-1][2] == 1.0 and calls[-1][5] >= 256  # converged: beta 1, ESS at beta = 1 reached n_total
    assert all(c[1] > c[0] for c in calls[:-1])  # an estimate beyond the current iteration until the end
    # the same result bit for bit
    for key in ("x", "weights", "log_likelihood", "posterior"):
        assert np.array_equal(getattr(with_progress, key), getattr(without, key)), key
    assert with_progress.log_z == without.log_z and with_progress.likelihood_calls == without.likelihood_calls
    assert capfd.readouterr().err == ""  # nothing on the process's stderr


def test_smc_progress_true_is_a_tqdm_bar(recording_tqdm):
    result = smc().run(progress=True)
    bar, = recording_tqdm.made
    n = len(result.iterations["beta"])
    assert bar.desc == "smc" and bar.n == n and bar.total == n and bar.closed
    assert set(bar.postfix) == {"beta", "ess", "log_z", "ess_at_one"} and float(bar.postfix["beta"]) == 1.0


def test_smc_preconditioned_progress_is_bitwise_neutral():
    # with the flow preconditioning (its training between iterations) too
    def run(progress):
        return fp.PersistentSampler(gauss, BOX, n_active=64, n_total=256, seed=4, flow_epochs=5,
                                    evidence_samples=256).run(progress=progress)
    seen = []
    a, b = run(lambda *v: seen.append(v)), run(False)
    assert len(seen) == len(a.iterations["beta"]) and np.array_equal(a.x, b.x) and a.log_z == b.log_z


def test_smc_warning_is_a_flowprior_warning(capfd):
    with pytest.warns(fp.FlowpriorWarning, match="stopped before convergence") as record:
        result = smc(max_iterations=2).run()
    assert issubclass(fp.FlowpriorWarning, RuntimeWarning)
    assert record[0].filename == __file__  # points at the caller's line
    assert result.warnings and "stopped before convergence" in result.warnings[0]
    assert capfd.readouterr().err == ""


# -- train_flow -----------------------------------------------------------------------------------------------------

def samples():
    return np.random.default_rng(5).normal(0.5, 0.7, size=(300, 2))


def test_train_flow_progress_callback_and_bitwise_same_flow(capfd):
    calls = []
    flow = fp.train_flow(samples(), BOX, epochs=6, layers=2, hidden=8, seed=2, progress=lambda *v: calls.append(v))
    plain = fp.train_flow(samples(), BOX, epochs=6, layers=2, hidden=8, seed=2)
    summary = flow.training["summary"]
    assert [c[0] for c in calls] == list(range(1, summary["epochs"] + 1))
    assert all(total == 6 for _, total, *_ in calls)
    assert [c[2] for c in calls] == pytest.approx(summary["train_loss"], rel=0, abs=0)
    assert [c[3] for c in calls] == pytest.approx(summary["validation_loss"], rel=0, abs=0)
    assert np.array_equal(flow.params, plain.params)
    assert capfd.readouterr().err == ""


def test_train_flow_progress_true_is_a_tqdm_bar(recording_tqdm):
    fp.train_flow(samples(), BOX, epochs=4, layers=2, hidden=8, patience=50, progress=True)
    bar, = recording_tqdm.made
    assert bar.desc == "train_flow" and bar.unit == "epoch" and bar.n == 4 and bar.total == 4 and bar.closed
    assert set(bar.postfix) == {"loss", "validation_loss"}


def test_train_flow_warning_is_a_flowprior_warning(capfd):
    w = np.ones(300)
    w[:250] = 1e-9  # an effective sample size of about 50
    with pytest.warns(fp.FlowpriorWarning, match="effective sample size of the weights is only") as record:
        fp.train_flow(samples(), BOX, weights=w, epochs=2, layers=2, hidden=8)
    assert record[0].filename == __file__  # points at the caller's line
    assert capfd.readouterr().err == ""  # the C++ core printed it on stderr before


# -- run --------------------------------------------------------------------------------------------------------------

CONFIG = """seed = 7
threads = 1
plots = false
[parameters]
slope = [-10, 10]
intercept = [-10, 10]
[datasets.A]
data = "data_a.csv"
model = "linear"
matrix = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
offset = [0.5, 0.0, -0.5]
[datasets.B]
data = "data_b.csv"
correlated = ["calibration"]
model = "linear"
matrix = [[1.0, -1.0], [2.0, 1.0], [0.5, 0.0]]
offset = [0.0, 1.0, 0.0]
[[stages]]
name = "stage1"
datasets = ["A"]
n_active = 64
n_effective = 128
n_total = 256
[[stages]]
name = "stage2"
datasets = ["B"]
prior = "flow"
n_active = 64
n_effective = 128
n_total = 256
max_iterations = 2
[flow]
arch = "maf"
layers = 2
hidden = 8
epochs = 20
[joint]
enabled = false
[checks]
tension = false
flow_prior = false
lost_modes = false
"""


@pytest.fixture
def analysis(tmp_path):
    for name in ("data_a.csv", "data_b.csv"):
        shutil.copy(SOURCE / "examples" / "linear_gaussian" / name, tmp_path / name)
    (tmp_path / "analysis.toml").write_text(CONFIG)
    return tmp_path


def test_run_progress_callback_warnings_and_bitwise_same_runs(analysis, capfd):
    calls, lines = [], []
    with pytest.warns(fp.FlowpriorWarning) as record:
        summary = fp.run(str(analysis / "analysis.toml"), output=str(analysis / "with"),
                         progress=lambda *v: calls.append(v), status=lines.append)
    # progress: every SMC iteration of every run, named, with its own count and a total that ends exact
    runs = [c[2] for c in calls]
    assert runs[0] == "stage1" and runs[-1] == "stage2" and sorted(set(runs)) == ["stage1", "stage2"]
    for run in ("stage1", "stage2"):
        mine = [c for c in calls if c[2] == run]
        assert [c[0] for c in mine] == list(range(1, len(mine) + 1)) and mine[-1][1] == mine[-1][0]
        assert all(c[0] <= c[1] for c in mine) and all(0 <= c[3] <= 1 for c in mine)
    assert [c for c in calls if c[2] == "stage1"][-1][3] == 1.0
    assert len([c for c in calls if c[2] == "stage2"]) == 2  # max_iterations
    # status lines to `status`, warnings through Python's warnings module, nothing on the process's stderr
    assert any("run 'stage1'" in line for line in lines) and any("flow for stage" in line for line in lines)
    texts = [str(w.message) for w in record]
    assert any("stopped before convergence" in t and "stage2" in t for t in texts), texts
    assert set(summary["warnings"]) <= set(texts) and all(w.filename == __file__ for w in record)
    assert capfd.readouterr().err == ""
    # the same runs without progress, bit for bit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fp.FlowpriorWarning)
        fp.run(str(analysis / "analysis.toml"), output=str(analysis / "without"))
    for name in ("stage1.csv", "stage2.csv", "stage1_posterior.csv", "stage2_posterior.csv"):
        assert (analysis / "with" / name).read_bytes() == (analysis / "without" / name).read_bytes(), name
    flows = [fp.Flow.load(str(analysis / folder / "flow_stage2.json")) for folder in ("with", "without")]
    assert np.array_equal(flows[0].params, flows[1].params)  # (the files differ in the measured wall_seconds)
    assert capfd.readouterr().err == ""  # progress off: silent


def test_run_progress_true_is_a_tqdm_bar_per_run(analysis, recording_tqdm):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fp.FlowpriorWarning)
        fp.run(str(analysis / "analysis.toml"), output=str(analysis / "bar"), progress=True)
    assert [b.desc for b in recording_tqdm.made] == ["run stage1", "run stage2"]
    assert all(b.closed and b.n == b.total for b in recording_tqdm.made)
    assert any("run 'stage2'" in line for line in recording_tqdm.lines)  # status lines through tqdm.write


# -- the ensemble sampler's warnings ------------------------------------------------------------------------------

def test_ensemble_warning_is_a_flowprior_warning(capfd):
    start = np.random.default_rng(1).uniform(0.1, 0.9, size=(8, 2))
    start[0] = [2.0, 2.0]  # outside the support: log-probability -inf
    support = lambda x: np.where(np.all((x > 0) & (x < 1), axis=1), 0.0, -np.inf)
    sampler = fp.EnsembleSampler(support, names=["a", "b"], walkers=8, seed=1)
    with pytest.warns(fp.FlowpriorWarning, match="1 walkers start at log-probability -inf") as record:
        sampler.run_mcmc(start, 5)
    assert record[0].filename == __file__
    assert capfd.readouterr().err == ""


def test_emulator_warning_is_a_flowprior_warning(capfd):
    design = np.random.default_rng(2).uniform(-5, 5, size=(30, 2))
    outputs = np.column_stack([design[:, 0] + 0.5 * design[:, 1] ** 2, np.full(30, 3.0)])  # the second constant
    with pytest.warns(fp.FlowpriorWarning, match="output 'y2' is constant over the design"):
        fp.Emulator.train(design, outputs, ["a", "b"], ["y1", "y2"], restarts=1)
    assert capfd.readouterr().err == ""
