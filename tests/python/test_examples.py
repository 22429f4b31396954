"""examples/python/pocomc_style.py (issue 20): the script a pocoMC user would write runs and lands on the exact
linear-Gaussian answers it prints (its own asserts: log Z within 4 of its errors, means within 0.1-0.15 posterior
sd, sds within 8-10%, the sequential evidence chain log Z_A + log Z_B|A against the exact joint log Z)."""
import os
import subprocess
import sys


def test_pocomc_style_example(tmp_path, source_dir):
    script = source_dir / "examples" / "python" / "pocomc_style.py"
    r = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True,
                       env=dict(os.environ, MPLBACKEND="Agg"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "exact joint" in r.stdout and (tmp_path / "stage2_chain.h5").exists()
