#!/usr/bin/env bash
# Installs what is missing, builds (release, -Werror) and runs every test; then the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer. Long statistical runs live in bench/, not here.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
scripts/setup.sh build
(cd build && ctest --output-on-failure -j2 --timeout 900)
# -g1 (line tables only): sanitizer reports keep file:line, and the build is much faster than with full -g.
scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  -DFLOWPRIOR_SANITIZE=ON -DFLOWPRIOR_BENCH=OFF
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2 --timeout 1800 -LE "python|mpi")
