"""make bench: a month-column indicator CSV (60 000 rows × 250 months, the size of a
European NDVI table) served as 250 monthly planes on europe025 — BioCube against pandas
read_csv plus the same gridding in numpy, in the same run. Target: >= 3x faster."""
import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd


def pandas_planes(path):
    start = time.perf_counter()
    df = pd.read_csv(path)
    lat = df["Latitude"].to_numpy(np.float64)
    lon = df["Longitude"].to_numpy(np.float64)
    lon = np.where(lon > 180, lon - 360, lon)
    r = (lat - 32.0) / 0.25
    c = (lon + 25.0) / 0.25
    ok = (np.abs(r - np.round(r)) < 1e-3) & (np.abs(c - np.round(c)) < 1e-3)
    ri, ci = np.round(r).astype(np.int64), np.round(c).astype(np.int64)
    ok &= (ri >= 0) & (ri < 161) & (ci >= 0) & (ci < 281)
    cell = ri * 281 + ci
    keep = ok.copy()
    first = ~pd.Series(np.where(ok, cell, -1)).duplicated(keep="first").to_numpy()
    keep &= first
    cells = cell[keep]
    columns = [c for c in df.columns if re.match(r"NDVI_\d\d/\d{4}$", c)]
    values = df[columns].to_numpy(np.float32)[keep]
    checksum, planes = 0.0, 0
    for j in range(len(columns)):
        plane = np.full(161 * 281, np.nan, np.float32)
        plane[cells] = values[:, j]
        v = plane[plane.size // 2]
        checksum += 0.0 if np.isnan(v) else float(v)
        planes += 1
    return {"seconds": time.perf_counter() - start, "planes": planes, "checksum": checksum}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--json-out", default="out/bench/indicators.json")
    ap.add_argument("--tmp", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="biocube-indicators-", dir=args.tmp)
    try:
        path = os.path.join(work, "Europe_ndvi_monthly_un_025.csv")
        subprocess.run([args.bench, "indicators-data", path], check=True)
        swift = json.loads(subprocess.run([args.bench, "indicators", path], capture_output=True, text=True, check=True).stdout)
        py = pandas_planes(path)
        py["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert py["planes"] == swift["planes"], (py["planes"], swift["planes"])
        assert abs(py["checksum"] - swift["checksum"]) < 1e-3 * max(1, abs(py["checksum"])), (py["checksum"], swift["checksum"])
        ratio = py["seconds"] / swift["seconds"]
        result = {"biocube": swift, "pandas": py, "pandas_version": pd.__version__, "speedup": ratio,
                  "csv_mb": os.path.getsize(path) / 1e6}
        os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)
        print(f"Indicator CSV benchmark: {swift['rows']} rows × {swift['planes']} month columns "
              f"({os.path.getsize(path) / 1e6:.0f} MB) → {swift['planes']} planes on europe025")
        print(f"  {'':30}{'BioCube':>10}{'pandas':>10}{'ratio':>9}{'target':>9}")
        print(f"  {'total (s)':30}{swift['seconds']:10.2f}{py['seconds']:10.2f}{ratio:8.1f}x{'>= 3x':>9}")
        print(f"  {'  of which parsing (s)':30}{swift['parse_seconds']:10.2f}")
        print(f"  {'peak RSS (MB)':30}{swift['peak_rss_mb']:10.0f}{py['peak_rss_mb']:10.0f}")
        print("  target met" if ratio >= 3 else "  TARGET MISSED")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
