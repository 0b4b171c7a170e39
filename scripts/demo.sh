#!/usr/bin/env bash
# The main job on the embedded sample: sample → scan → build → batches (.pt) → statistics → checks.
# Usage: scripts/demo.sh BIOCUBE_EXECUTABLE PYTHON OUTPUT_DIR
set -euo pipefail
BIOCUBE=$1; PY=$2; OUT=$3
rm -rf "$OUT"; mkdir -p "$OUT"
t() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }

echo "== 1/7 sample: a miniature BioCube tree in the published layout (2000-01 … 2001-12) =="
a=$(t); "$BIOCUBE" sample "$OUT/BioCube" --force | tail -1; b=$(t); T_SAMPLE=$(secs "$a" "$b")

echo; echo "== 2/7 scan: what the sources hold and what is wrong with them =="
"$BIOCUBE" scan "$OUT/BioCube" --out "$OUT/catalog.json" | sed -n '1,200p'
c=$(t); T_SCAN=$(secs "$b" "$c")

echo; echo "== 3/7 build: every source read once into a Zarr v3 store =="
"$BIOCUBE" build "$OUT/catalog.json" --store "$OUT/cube.zarr"
d=$(t); T_BUILD=$(secs "$c" "$d")

echo; echo "== 4/7 batches: every two-month window as a bfm-model .pt file =="
"$BIOCUBE" batches "$OUT/cube.zarr" --out "$OUT/batches"
e=$(t); T_BATCHES=$(secs "$d" "$e")

echo; echo "== 5/7 statistics: normalisation statistics for bfm-model, from the store weighted as the windows =="
"$BIOCUBE" stats --store "$OUT/cube.zarr" --out "$OUT/stats.json" | head -12
echo "  …"
"$BIOCUBE" verify "$OUT/batches/batch_2000-01-01_to_2000-02-01.pt" | tail -1
g=$(t); T_STATS=$(secs "$e" "$g")

echo; echo "== 6/7 check: load the batches as PyTorch would, open the store with zarr-python =="
"$PY" - "$OUT" <<'PYEOF'
import json, os, sys
sys.path.insert(0, "Tests/Interop")
import numpy as np, zarr, torch_checker
out = sys.argv[1]
files = sorted(f for f in os.listdir(f"{out}/batches") if f.endswith(".pt"))
first = torch_checker.load_pt(f"{out}/batches/{files[0]}")
for f in files[1:]:
    torch_checker.load_pt(f"{out}/batches/{f}")
real = torch_checker.torch_load(f"{out}/batches/{files[0]}")
m = first["batch_metadata"]
print(f"{len(files)} batch files load as torch.load(weights_only=True) reads them"
      + (" (checked with the real torch too)" if real is not None else " (torch not installed: independent loader only)"))
print(f"  {files[0]} … {files[-1]}")
print(f"  grid {len(m['latitudes'])}×{len(m['longitudes'])}, timestamps {m['timestamp']}, "
      f"{len(m['pressure_levels'] or [])} pressure levels, {len(m['species_list'] or [])} species")
for group, variables in first.items():
    if group == "batch_metadata":
        continue
    shapes = {tuple(a.shape) for a in variables.values()}
    print(f"  {group:24s} {len(variables):2d} variables {' '.join(map(str, sorted(shapes))) if shapes else ''}")
print(f"  published contract: agriculture_variables = {', '.join(first['agriculture_variables'])}; "
      f"t2m in surface_variables and climate_variables")
g = zarr.open_group(f"{out}/cube.zarr", mode="r")
t2m = [p for p in g.attrs["problems"] if p.get("variable") == "t2m"]
if t2m:
    print(f"  t2m: {t2m[0]['message']}")
import xarray as xr
tree = xr.open_datatree(f"{out}/cube.zarr", engine="zarr")
print(f"xarray opens the store: {sum(len(c.data_vars) for c in tree.children.values())} arrays in {len(tree.children)} groups, "
      f"time {str(tree['time'].values[0])[:7]} … {str(tree['time'].values[-1])[:7]}")
print(f"zarr-python opens the store: {len(g.attrs['variables'])} variables, complete={g.attrs['complete']}, "
      f"{len(g.attrs['problems'])} problems recorded in its attributes")
PYEOF
f=$(t)

echo; echo "== 7/7 train: PyTorch straight from the store (biocube.torch.CubeDataset), no batch files =="
if "$PY" -c "import torch, biocube.torch" 2>/dev/null; then
"$PY" - "$OUT" <<'PYEOF'
import sys, time, torch
from biocube.torch import CubeDataset
out = sys.argv[1]
ds = CubeDataset(f"{out}/cube.zarr")
started = time.perf_counter(); item = ds[0]; ms = 1000 * (time.perf_counter() - started)
ref = torch.load(f"{out}/batches/batch_2000-01-01_to_2000-02-01.pt", weights_only=True)
same = all(torch.equal(item[g][v].nan_to_num(-1), ref[g][v].nan_to_num(-1)) for g in ref if g != "batch_metadata" for v in ref[g])
print(f"CubeDataset: {len(ds)} windows; item 0 read in {ms:.0f} ms, "
      f"{'equal to' if same and item['batch_metadata'] == ref['batch_metadata'] else 'DIFFERENT FROM'} torch.load of its .pt file")
PYEOF
"$PY" Examples/train-pytorch/train.py --store "$OUT/cube.zarr" --stats "$OUT/stats.json" --steps 8 \
  --checkpoint "$OUT/train-pytorch.ckpt" | tail -2
else
  echo "WARNING: torch or the biocube Python package is missing from $PY: the training step is SKIPPED"
fi
h=$(t); T_TRAIN=$(secs "$f" "$h")

size() { du -sh "$1" | cut -f1; }
echo
echo "== demo summary =="
echo "  sample tree   $OUT/BioCube      $(size "$OUT/BioCube")   ${T_SAMPLE} s"
echo "  scan          $OUT/catalog.json              ${T_SCAN} s"
echo "  store         $OUT/cube.zarr    $(size "$OUT/cube.zarr")   ${T_BUILD} s"
echo "  batches (.pt) $OUT/batches      $(size "$OUT/batches")   ${T_BATCHES} s ($(ls "$OUT"/batches/*.pt | wc -l) windows)"
echo "  statistics    $OUT/stats.json                ${T_STATS} s"
echo "  training      $OUT/train-pytorch.ckpt        ${T_TRAIN} s (8 steps of Examples/train-pytorch over the store)"
echo "  the coverage problems found are listed above (build) and kept in the store's attributes"
