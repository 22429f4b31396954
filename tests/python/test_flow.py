"""Flows from Python against the command line: the same data and seed give the same flow file bit for bit (the
measured training wall time is the only value allowed to differ), the same draws and the same log densities; C++
errors arrive as flowprior.Error with the command line's message."""
import re
import subprocess

import numpy as np
import pytest

import flowprior as fp

BOX_TOML = "[parameters]\nx1 = [-2.0, 3.0]\nx2 = [-1.0, 8.0]\n"
WALL = re.compile(rb'"wall_seconds":\s*[-+0-9.eE]+')


def write_csv(path, header, columns):
    """%.17g round-trips every float64, so the command line reads exactly the numbers Python trains on."""
    np.savetxt(path, np.column_stack(columns), delimiter=",", header=",".join(header), comments="", fmt="%.17g")


def masked(path):
    text = path.read_bytes()
    assert len(WALL.findall(text)) == 1, "the flow file should hold exactly one wall_seconds"
    return WALL.sub(b'"wall_seconds": 0', text)


@pytest.mark.parametrize("arch,loss", [("maf", "nll"), ("realnvp", "kl"), ("nsf", "jeffreys")])
def test_train_matches_command_line_bit_for_bit(tmp_path, cli, banana_data, arch, loss):
    x = banana_data
    rng = np.random.default_rng(11)
    weights = rng.uniform(0.5, 1.5, len(x))
    log_density = -(x[:, 0] - 1) ** 2 - 20 * (x[:, 1] - x[:, 0] ** 2) ** 2
    # Columns in another order than the box, plus weight and log_density: matched by name on both sides.
    write_csv(tmp_path / "s.csv", ["x2", "x1", "weight", "log_density"], [x[:, 1], x[:, 0], weights, log_density])
    (tmp_path / "p.toml").write_text(BOX_TOML)
    options = dict(epochs=4, layers=2, hidden=8, batch=128, seed=5)
    subprocess.run([cli, "flow", "train", "--samples", str(tmp_path / "s.csv"), "--params", str(tmp_path / "p.toml"),
                    "--arch", arch, "--loss", loss, "--epochs", "4", "--layers", "2", "--hidden", "8", "--batch",
                    "128", "--seed", "5", "--quiet", "--out", str(tmp_path / "cli.json")], check=True)
    box = fp.Box.from_toml(str(tmp_path / "p.toml"))
    flow = fp.train_flow(x[:, ::-1].copy(), box, names=["x2", "x1"], weights=weights, log_density=log_density,
                         arch=arch, loss=loss, **options)
    flow.save(str(tmp_path / "py.json"))
    assert masked(tmp_path / "py.json") == masked(tmp_path / "cli.json")
    assert flow.training["summary"]["epochs"] == 4
    assert flow.training["data"]["weighted"] is True


def test_sample_and_log_prob_match_command_line(tmp_path, cli, banana_data):
    (tmp_path / "p.toml").write_text(BOX_TOML)
    box = fp.Box.from_toml(str(tmp_path / "p.toml"))
    flow = fp.train_flow(banana_data, box, epochs=3, layers=2, hidden=8, seed=2)
    flow.save(str(tmp_path / "f.json"))
    subprocess.run([cli, "flow", "sample", "--flow", str(tmp_path / "f.json"), "-n", "300", "--seed", "4",
                    "--out", str(tmp_path / "draws.csv")], check=True)
    cli_draws = np.loadtxt(tmp_path / "draws.csv", delimiter=",", skiprows=1)
    draws = flow.sample(300, seed=4)
    assert draws.shape == (300, 2)
    assert np.array_equal(draws, cli_draws)  # shortest round-trip text: exact
    assert np.all(box.contains(draws))

    points = np.vstack([banana_data[:50], [[5.0, 0.0]]])  # the last point lies outside the box
    write_csv(tmp_path / "pts.csv", ["x1", "x2"], [points[:, 0], points[:, 1]])
    subprocess.run([cli, "flow", "logpdf", "--flow", str(tmp_path / "f.json"), "--points", str(tmp_path / "pts.csv"),
                    "--out", str(tmp_path / "lp.csv")], check=True)
    cli_lp = np.array([float(v) for v in (tmp_path / "lp.csv").read_text().split()[1:]])
    lp = flow.log_prob(points)
    assert np.array_equal(lp, cli_lp)
    assert lp[-1] == -np.inf

    loaded = fp.Flow.load(str(tmp_path / "f.json"))
    assert np.array_equal(loaded.log_prob(points), lp)
    assert np.array_equal(loaded.params, flow.params)
    assert np.array_equal(fp.Flow.from_json(flow.to_json()).sample(10, seed=1), flow.sample(10, seed=1))


def command_line_error(cli, *args):
    r = subprocess.run([cli, *args], capture_output=True, text=True)
    assert r.returncode == 1
    prefix = "flowprior: error: "
    assert r.stderr.startswith(prefix), r.stderr
    return r.stderr[len(prefix):].strip()


def test_errors_carry_the_command_line_message(tmp_path, cli, banana_data):
    bad = tmp_path / "inverted.toml"
    bad.write_text("[parameters]\nx1 = [-2.0, 3.0]\nx2 = [8.0, -1.0]\n")
    write_csv(tmp_path / "s.csv", ["x1", "x2"], [banana_data[:, 0], banana_data[:, 1]])
    message = command_line_error(cli, "flow", "train", "--samples", str(tmp_path / "s.csv"), "--params", str(bad),
                                 "--out", str(tmp_path / "x.json"), "--quiet")
    with pytest.raises(fp.Error) as err:
        fp.Box.from_toml(str(bad))
    assert str(err.value) == message
    assert "x2" in message and isinstance(err.value, RuntimeError)

    truncated = tmp_path / "truncated.json"
    (tmp_path / "p.toml").write_text(BOX_TOML)
    fp.train_flow(banana_data, fp.Box.from_toml(str(tmp_path / "p.toml")), epochs=1, layers=1, hidden=4).save(
        str(tmp_path / "f.json"))
    truncated.write_bytes((tmp_path / "f.json").read_bytes()[:300])
    message = command_line_error(cli, "flow", "sample", "--flow", str(truncated), "-n", "5",
                                 "--out", str(tmp_path / "x.csv"))
    with pytest.raises(fp.Error) as err:
        fp.Flow.load(str(truncated))
    assert str(err.value) == message

    x = banana_data.copy()
    x[3, 1] = np.nan
    with pytest.raises(fp.Error, match="x2"):
        fp.train_flow(x, fp.Box(["x1", "x2"], [-2, -1], [3, 8]), epochs=1)
    with pytest.raises(fp.Error, match="log_density"):
        fp.train_flow(banana_data, fp.Box(["x1", "x2"], [-2, -1], [3, 8]), loss="kl", epochs=1)
