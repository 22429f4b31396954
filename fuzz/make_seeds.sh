#!/usr/bin/env bash
# Seed corpora of the fuzz targets from the repository's own files (issue 19): CSV data and posteriors, parameter
# boxes, analysis configurations, and a small flow, ensemble flow, emulator and chain written by `flowprior`.
# Usage: fuzz/make_seeds.sh <flowprior-binary> <seed-dir>   (creates <seed-dir>/<target>/)
set -euo pipefail
bin=$(realpath "$1")
mkdir -p "$2"; out=$(realpath "$2")
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"/{fuzz_csv,fuzz_box_toml,fuzz_analysis_config,fuzz_flow_file,fuzz_emulator_file,fuzz_hdf5_chain}
# Seed names carry their folder: two examples may both hold an `analysis.toml` or a `data.csv`.
seed_name() { local d; d=$(basename "$(dirname "$1")"); echo "${d}_$(basename "$1")"; }
for f in "$src"/data/*.csv "$src"/examples/*/*.csv; do head -c 4096 "$f" > "$out/fuzz_csv/$(seed_name "$f")"; done
printf 'a,"b,c","d ""e"""\n1,2,3\n' > "$out/fuzz_csv/quoted.csv"
printf '\xEF\xBB\xBFx,y\n# comment\n1,2\n\n3,4\n' > "$out/fuzz_csv/bom.csv"
cp "$src"/data/*.toml "$out/fuzz_box_toml/"
printf '[parameters]\nx = [0.0, 1.0]\ny = [-1e3, 1e3]\n' > "$out/fuzz_box_toml/two.toml"
printf 'map = "probit"\n[parameters]\nx = [0.0, 1.0]\n' > "$out/fuzz_box_toml/probit.toml"
for f in "$src"/examples/*/*.toml; do cp "$f" "$out/fuzz_analysis_config/$(seed_name "$f")"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
awk 'BEGIN { srand(5); print "x1,x2,weight"; for (i = 0; i < 200; i++) printf "%.5f,%.5f,%.3f\n", rand(), rand(), 0.5 + rand() }' > s.csv
printf '[parameters]\nx1 = [0.0, 1.0]\nx2 = [0.0, 1.0]\n' > box.toml
for arch in realnvp maf nsf; do
  "$bin" flow train --samples s.csv --params box.toml --arch $arch --layers 1 --hidden 4 --epochs 1 --quiet \
    --out "$out/fuzz_flow_file/$arch.json" 2> /dev/null
done
"$bin" flow train --samples s.csv --params box.toml --arch maf --layers 1 --hidden 4 --epochs 1 --ensemble 2 --quiet \
  --out "$out/fuzz_flow_file/ensemble.json" 2> /dev/null
"$bin" emulator design --params box.toml -n 12 --out d.csv --seed 1 2> /dev/null
awk -F, 'NR == 1 { print "y0,y1"; next } { printf "%.6f,%.6f\n", $1 + $2, $1 * $2 }' d.csv > y.csv
"$bin" emulator train --design d.csv --outputs y.csv --out "$out/fuzz_emulator_file/emulator.json" --restarts 1 2> /dev/null
"$bin" sample --target gaussian --dim 1 --walkers 2 --steps 3 --seed 1 --out "$out/fuzz_hdf5_chain/chain.h5" \
  --no-progress 2> /dev/null
