#!/usr/bin/env bash
# Installs the Debian 12 packages flowprior needs (only those missing), then configures and builds.
# Usage: [SETUP_TARGETS="t1 t2"] scripts/setup.sh [build-dir] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(
  build-essential cmake ninja-build pkg-config ccache
  libeigen3-dev libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libhdf5-dev liblbfgspp-dev libboost-dev
  googletest libgtest-dev libbenchmark-dev
  openmpi-bin libopenmpi-dev
  python3 python3-numpy python3-h5py python3-emcee python3-matplotlib python3-pytest
  python3-scipy python3-tqdm python3-mypy   # Python package: scipy.stats priors, progress bars, stub check (stubtest)
  chromium   # tests/scripts/test_report_browser.sh: the run report in a headless browser
  clang libclang-rt-14-dev   # libFuzzer targets of the file readers (fuzz/, -DFLOWPRIOR_FUZZ=ON)
  pybind11-dev python3-dev python3-setuptools python3-pip
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
build_dir=${1:-build}
shift || true
# Ninja for new build folders (an existing folder keeps the generator it was made with): it compiles the objects of
# a target while the libraries it links are still being built, which keeps both cores busy.
if [ -z "${CMAKE_GENERATOR:-}" ] && command -v ninja > /dev/null; then export CMAKE_GENERATOR=Ninja; fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
# Compile on every core. GNU nproc honours OMP_NUM_THREADS, which main.sh and test.sh set to 1 to pin the tests' BLAS
# threads: without unsetting it here the builds ran on one core.
jobs=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
# SETUP_TARGETS="a b" builds only those targets (the main job needs only the command-line program).
if [ -n "${SETUP_TARGETS:-}" ]; then
  for t in $SETUP_TARGETS; do cmake --build "$build_dir" -j"$jobs" --target "$t"; done
else
  cmake --build "$build_dir" -j"$jobs"
fi
# The Python module: /usr/bin/python3 finds the package built here through a .pth file in its site folder
# (only when this build made the module; the sanitizer build does not).
if compgen -G "$build_dir/python/flowprior/_flowprior*.so" > /dev/null; then
  site_dir=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO mkdir -p "$site_dir"
  (cd "$build_dir/python" && pwd) | $SUDO tee "$site_dir/flowprior.pth" > /dev/null
fi
