#!/bin/sh
# Optional set-up of the Python peers the benchmarks in bench/ compare against (not needed to build, test or use
# flowprior; scripts/setup.sh does not install them). Debian 12 packages: PyTorch (bench_flow.py,
# bench_flow_vs_zuko.py), scikit-learn (bench_emulator.py), emcee (bench_ensemble_vs_emcee.py,
# bench_sample_cli_vs_emcee.py), h5py (reading our chain files from emcee's side).
# zuko (bench_flow_vs_zuko.py) is not a Debian package: give the script a source checkout of
# https://github.com/probabilists/zuko with --zuko-path or ZUKO_PATH; it is imported from there, never installed
# or copied into this repository.
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get install -y --no-install-recommends python3-torch python3-sklearn python3-emcee python3-h5py python3-numpy
