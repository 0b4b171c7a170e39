"""make bench: training straight from the store (biocube.torch.CubeDataset) against
(a) torch.load of the same windows exported as .pt files (today's path) and
(b) a Dataset over the same store with xarray + zarr-python (Benchmarks/xarray_dataset.py,
the pattern climate peers use), all measured in this run.

The 72-month sample (2000-01 … 2005-12, every published variable, 28 species, 71 windows)
is generated, built and exported once. Each measurement is a process of its own
(Benchmarks/training_loader.py): a DataLoader(batch_size=None, shuffle=True, num_workers=k)
over every window, k = 0 and 2; the median of --repeats passes.

Two settings: warm — store and .pt files in RAM (/dev/shm), the most favourable case for
(a), whose files hold raw floats that torch.load copies, while the store's chunks are zstd
that must be decoded; and cold — both on the disk under out/, the page cache dropped before
each pass (root only; said loudly when not possible), as when the data does not fit in memory.

Targets (issue: train straight from the cube): CubeDataset >= 4x (b) and at least as fast as
(a), with no batch file written; peak RSS per worker < 500 MB. Also reported: time to the
first batch.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr[-3000:]}\n{proc.stdout[-2000:]}")
    return proc.stdout


def can_drop_caches():
    try:
        with open("/proc/sys/vm/drop_caches", "w"):
            return True
    except OSError:
        return False


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--biocube", required=True)
    ap.add_argument("--fast-dir", default="/dev/shm/biocube-bench-training",
                    help="sample, store and .pt export (about 4 GB): RAM-backed, so every loader reads from memory")
    ap.add_argument("--disk-dir", default="out/bench-training",
                    help="copies of the store and the .pt files on the disk, for the cold passes")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    fast = a.fast_dir
    os.makedirs(fast, exist_ok=True)
    sample, store, pt = (os.path.join(fast, n) for n in ("BioCube", "cube.zarr", "pt"))
    if not os.path.exists(os.path.join(sample, "Species", "europe_species.parquet")):
        run([a.biocube, "sample", sample, "--end", "2005-12", "--species", "28", "--force"])
    if not os.path.exists(os.path.join(store, "zarr.json")):
        run([a.biocube, "build", sample, "--store", store])
    run([a.biocube, "batches", store, "--out", pt])
    windows = len([f for f in os.listdir(pt) if f.endswith(".pt")])
    size_gb = sum(os.path.getsize(os.path.join(pt, f)) for f in os.listdir(pt)) / 1e9
    print(f"72-month sample: {windows} windows; the .pt export of baseline (a) is {size_gb:.1f} GB "
          f"(CubeDataset writes nothing)")

    def measure(kind, workers, store, pt, cold=False):
        passes = []
        for _ in range(a.repeats):
            if cold:
                drop_caches()
            out = run([sys.executable, os.path.join(HERE, "training_loader.py"), "--kind", kind,
                       "--workers", str(workers), "--store", store, "--pt", pt])
            passes.append(json.loads(out.strip().splitlines()[-1]))
            assert passes[-1]["windows"] == windows, passes[-1]
        return sorted(passes, key=lambda r: r["seconds"])[len(passes) // 2]

    results = {}
    for workers in (0, 2):
        for kind in ("pt", "xarray", "cube"):
            results[(kind, workers)] = measure(kind, workers, store, pt)
    cold = {}
    if can_drop_caches():
        disk_store, disk_pt = os.path.join(a.disk_dir, "cube.zarr"), os.path.join(a.disk_dir, "pt")
        for source, target in ((store, disk_store), (pt, disk_pt)):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        for kind in ("pt", "xarray", "cube"):
            cold[kind] = measure(kind, 0, disk_store, disk_pt, cold=True)
        disk_gb = {p: sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs) / 1e9
                   for p in (disk_store, disk_pt)}
    else:
        print("WARNING: cannot drop the page cache (/proc/sys/vm/drop_caches needs root): the COLD passes are SKIPPED")

    names = {"pt": "(a) torch.load of .pt files", "xarray": "(b) xarray + zarr-python Dataset",
             "cube": "CubeDataset (BioCube engine)"}
    checks = []
    for workers in (0, 2):
        print(f"\nwarm (RAM): DataLoader(batch_size=None, shuffle=True, num_workers={workers}), {windows} windows, "
              f"median of {a.repeats}:")
        print(f"  {'loader':34s} {'windows/s':>10s} {'first batch':>12s} {'peak RSS main':>14s} {'per worker':>11s}")
        for kind in ("pt", "xarray", "cube"):
            r = results[(kind, workers)]
            worker_rss = f"{r['rss_workers_mb']:.0f} MB" if r["rss_workers_mb"] else "-"
            print(f"  {names[kind]:34s} {r['windows_per_second']:10.1f} {r['first_batch_seconds']:11.2f}s "
                  f"{r['rss_main_mb']:11.0f} MB {worker_rss:>11s}")
        cube, pt_r, xr_r = (results[(k, workers)]["windows_per_second"] for k in ("cube", "pt", "xarray"))
        print(f"  CubeDataset / (b) xarray: {cube / xr_r:.1f}x (target >= 4x); "
              f"CubeDataset / (a) torch.load: {cube / pt_r:.2f}x (target >= 1x)")
        checks.append((f"warm, num_workers={workers}: >= 4x xarray", cube / xr_r >= 4))
        checks.append((f"warm, num_workers={workers}: >= torch.load", cube / pt_r >= 1.0))
        if workers:
            rss = results[("cube", workers)]["rss_workers_mb"]
            checks.append((f"warm, num_workers={workers}: peak RSS per worker < 500 MB ({rss:.0f} MB)", rss < 500))
    if cold:
        print(f"\ncold: store ({disk_gb[disk_store]:.2f} GB) and .pt files ({disk_gb[disk_pt]:.2f} GB) on the disk, "
              f"page cache dropped before each pass, num_workers=0, median of {a.repeats}:")
        print(f"  {'loader':34s} {'windows/s':>10s} {'first batch':>12s}")
        for kind in ("pt", "xarray", "cube"):
            r = cold[kind]
            print(f"  {names[kind]:34s} {r['windows_per_second']:10.1f} {r['first_batch_seconds']:11.2f}s")
        cube, pt_r, xr_r = (cold[k]["windows_per_second"] for k in ("cube", "pt", "xarray"))
        print(f"  CubeDataset / (b) xarray: {cube / xr_r:.1f}x; CubeDataset / (a) torch.load: {cube / pt_r:.2f}x")
        checks.append(("cold, num_workers=0: >= 4x xarray", cube / xr_r >= 4))
        checks.append(("cold, num_workers=0: >= torch.load", cube / pt_r >= 1.0))
    print()
    for name, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    if not a.keep:
        shutil.rmtree(pt, ignore_errors=True)
        shutil.rmtree(a.disk_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
