"""make bench: reading ERA5 NetCDF onto the BioCube grid, BioCube against xarray.

24 monthly steps of 23 single-level variables and of z, t, u, v, q on 13 levels, from
new-CDS-style files covering the BioCube area, read step by step onto europe025
(latitude ascending). Target (issue: ERA5): BioCube >= 3x faster than xarray; memory
bounded by one step of one variable plus buffers.
"""
import argparse
import glob
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import xarray as xr


def xarray_read(directory):
    lat = 32.0 + 0.25 * np.arange(161)
    lon = -25.0 + 0.25 * np.arange(281)
    start = time.perf_counter()
    planes, checksum = 0, 0.0
    datasets = [xr.open_dataset(p, engine="netcdf4") for p in sorted(glob.glob(os.path.join(directory, "*.nc")))]
    times = sorted({t for ds in datasets for t in ds.valid_time.values})
    for t in times:
        for ds in datasets:
            for name, var in ds.data_vars.items():
                if "latitude" not in var.dims:
                    continue
                values = var.sel(valid_time=t).sel(latitude=lat, longitude=lon).values.astype(np.float32)
                planes += values.size // (161 * 281)
                checksum += float(values.reshape(-1)[values.size // 2])
    return {"seconds": time.perf_counter() - start, "planes": planes, "checksum": checksum}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--json-out", default="out/bench/era5.json")
    ap.add_argument("--tmp", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="biocube-era5-", dir=args.tmp)
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run([sys.executable, os.path.join(here, "make_era5_bench_data.py"), work], check=True)
        size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(work, "*.nc"))) / 1e6
        swift = json.loads(subprocess.run([args.bench, "era5", work], capture_output=True, text=True, check=True).stdout)
        serial = json.loads(subprocess.run([args.bench, "era5", work, "1"], capture_output=True, text=True, check=True).stdout)
        py = xarray_read(work)
        py["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert py["planes"] == swift["planes"], (py["planes"], swift["planes"])
        ratio = py["seconds"] / swift["seconds"]
        result = {"biocube": swift, "biocube_one_task": serial, "xarray": py, "xarray_version": xr.__version__, "speedup": ratio, "files_mb": size}
        os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)
        one_plane_mb = 161 * 281 * 4 / 1e6
        print(f"ERA5 read benchmark: {swift['files']} files ({size:.0f} MB), {swift['variables']} variables, "
              f"{swift['steps']} monthly steps, {swift['planes']} planes onto europe025")
        print(f"  {'':28}{'BioCube':>10}{'xarray':>10}{'ratio':>9}{'target':>9}")
        print(f"  {'time (s), ' + str(swift['jobs']) + ' tasks':28}{swift['seconds']:10.2f}{py['seconds']:10.2f}{ratio:8.1f}x{'>= 3x':>9}")
        print(f"  {'time (s), 1 task':28}{serial['seconds']:10.2f}{py['seconds']:10.2f}{py['seconds'] / serial['seconds']:8.1f}x")
        print(f"  {'peak RSS (MB)':28}{swift['peak_rss_mb']:10.0f}{py['peak_rss_mb']:10.0f}"
              f"   (one [13,161,281] step = {13 * one_plane_mb:.1f} MB)")
        print("  target met" if ratio >= 3 else "  TARGET MISSED")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
