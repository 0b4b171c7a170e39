"""make bench: the species table, BioCube's Parquet reader against pyarrow.

A 10-million-row species table (28 species × 246 months, realistic cells) written by
pyarrow with its defaults (Snappy, dictionary, v1 data pages, nanosecond timestamps):
BioCube reading the five needed columns against `pyarrow.parquet.read_table(columns=…)`,
in the same run (target: within 2× of pyarrow; both read each row group's columns on
two threads, and both are timed with a warm allocator — best of three in one process —
and for the first read of a process), with the allocator tuned as the `biocube` command
line runs (AllocatorTuning) and with glibc's defaults, then BioCube gridding every row into the
monthly planes of all 28 species over 246 months (target: under 10 s).
"""
import argparse
import json
import os
import subprocess
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

COLUMNS = ["Species", "Latitude", "Longitude", "Timestamp", "Distribution"]


def make_table(path, rows=10_000_000):
    rng = np.random.default_rng(11)
    species = np.array([1340361 + 37 * k for k in range(28)], np.int64)
    months = (np.datetime64("2000-01-01", "M") + np.arange(246)).astype("datetime64[ns]")
    t = pa.table({
        "Species": pa.array(rng.choice(species, rows).astype(str)),
        "Latitude": 32.0 + 0.25 * rng.integers(0, 161, rows),
        "Longitude": -25.0 + 0.25 * rng.integers(0, 281, rows),
        "Timestamp": pa.array(np.sort(rng.choice(months, rows))),
        "Distribution": rng.integers(1, 20, rows).astype(np.float64),
        "Phylum": pa.array(np.full(rows, "Chordata")), "Class": pa.array(np.full(rows, "Aves")),
        "Order": pa.array(np.full(rows, "Passeriformes")), "Family": pa.array(np.full(rows, "Paridae")),
        "Genus": pa.array(np.full(rows, "Parus")),
    })
    pq.write_table(t, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--workdir", default="/dev/shm/biocube-species-bench")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    path = os.path.join(a.workdir, "europe_species.parquet")
    if not os.path.exists(path):
        make_table(path)
    print(f"{pq.ParquetFile(path).metadata.num_rows} rows, {os.path.getsize(path) / 1e6:.0f} MB (pyarrow defaults)")
    # pyarrow: the first read in this process (cold allocator) and the best of three more.
    t0 = time.perf_counter()
    t = pq.read_table(path, columns=COLUMNS)
    arrow_first = time.perf_counter() - t0
    del t
    for r in range(a.repeats):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            t = pq.read_table(path, columns=COLUMNS)
            times.append(time.perf_counter() - t0)
            del t
        arrow = min(times)
        for variant in ([], ["--default-allocator"]):
            ours = json.loads(subprocess.run([a.bench, "species", path, *variant], capture_output=True, text=True, check=True).stdout)
            print(f"run {r + 1} [{ours['allocator']}]: pyarrow read {arrow:.3f} s (first in process {arrow_first:.3f} s); "
                  f"BioCube read {ours['read_seconds']:.3f} s = {ours['read_seconds'] / arrow:.2f}× pyarrow's time (target ≤ 2×), "
                  f"first in process {ours['first_read_seconds']:.3f} s = {ours['first_read_seconds'] / arrow_first:.2f}× pyarrow's first; "
                  f"SpeciesModality {ours['modality_seconds']:.2f} s + gridding {ours['planes']} planes {ours['grid_seconds']:.2f} s "
                  f"= {ours['modality_seconds'] + ours['grid_seconds']:.2f} s (target < 10 s)")


if __name__ == "__main__":
    main()
