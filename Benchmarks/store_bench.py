"""make bench: BioCube's store against zarr-python 3 on the same values, in the same run.

Target (issue: foundation): write and full read each >= 2x zarr-python; BioCube
single-thread read >= 70% of plain ZSTD_decompress on the same chunk bytes.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import zarr
from zarr.codecs import ZstdCodec
from zarr.core.buffer.cpu import NDBuffer


def timed(repeats, fn, before=None):
    times = []
    for _ in range(repeats):
        arg = before() if before else None
        start = time.perf_counter()
        fn(arg) if before else fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True, help="the biocube-bench executable (release build)")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--json-out", default="out/bench/store.json")
    ap.add_argument("--tmp", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None,
                    help="where both implementations write (default: /dev/shm, so the virtual disk's "
                         "write-back noise does not swamp the software being compared)")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="biocube-bench-", dir=args.tmp)
    try:
        proc = subprocess.run([args.bench, "--workdir", work, "--repeats", str(args.repeats)],
                              capture_output=True, text=True, check=True)
        swift = json.loads(proc.stdout)
        shape, chunks, level = swift["shape"], swift["chunks"], swift["zstd_level"]
        values = np.fromfile(swift["values_file"], dtype="<f4").reshape(shape)
        mb = values.nbytes / 1e6
        # Each repetition writes a fresh array (removing the previous one is not timed).
        paths = []

        def fresh():
            if paths:
                shutil.rmtree(paths[-1], ignore_errors=True)
            paths.append(os.path.join(work, f"zarr-python-{len(paths)}.zarr"))
            return zarr.create_array(paths[-1], shape=shape, chunks=chunks, dtype="float32", fill_value=np.nan,
                                     compressors=ZstdCodec(level=level))

        zp_write = timed(args.repeats, lambda target: target.__setitem__(Ellipsis, values), before=fresh)
        path = paths[-1]
        arr = zarr.open_array(path, mode="r")
        assert np.array_equal(arr[...], values)
        zp_read = timed(args.repeats, lambda: arr[...])
        out = np.zeros_like(values)
        zp_read_into = timed(args.repeats, lambda: arr.get_basic_selection(Ellipsis, out=NDBuffer.from_numpy_array(out)))
        assert np.array_equal(out, values)

        r = {
            "biocube": swift,
            "zarr_python": {"version": zarr.__version__, "write_mb_s": mb / zp_write, "read_mb_s": mb / zp_read,
                        "read_into_mb_s": mb / zp_read_into},
        }
        r["ratios"] = {
            "write_vs_zarr_python": swift["write_parallel_mb_s"] / r["zarr_python"]["write_mb_s"],
            "read_vs_zarr_python": swift["read_parallel_mb_s"] / r["zarr_python"]["read_mb_s"],
            "read_into_vs_zarr_python": swift["read_parallel_into_mb_s"] / r["zarr_python"]["read_into_mb_s"],
            "single_thread_read_vs_plain_zstd": swift["read_single_into_mb_s"] / swift["plain_zstd_decompress_single_mb_s"],
        }
        os.makedirs(os.path.dirname(args.json_out), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(r, f, indent=2, sort_keys=True)

        ratios = r["ratios"]
        print(f"Store benchmark: float32 {shape}, chunks {chunks}, zstd level {level}, "
              f"{mb:.1f} MB decoded → {swift['compressed_mb']:.1f} MB stored; median of {args.repeats}; "
              f"{swift['jobs']} tasks; files in {work}")
        print(f"  {'':34}{'BioCube':>12}{'zarr-python':>14}{'ratio':>9}{'target':>9}")
        print(f"  {'write (MB/s, parallel)':34}{swift['write_parallel_mb_s']:12.0f}{r['zarr_python']['write_mb_s']:14.0f}"
              f"{ratios['write_vs_zarr_python']:8.1f}x{'>= 2x':>9}")
        print(f"  {'full read (MB/s, parallel)':34}{swift['read_parallel_mb_s']:12.0f}{r['zarr_python']['read_mb_s']:14.0f}"
              f"{ratios['read_vs_zarr_python']:8.1f}x{'>= 2x':>9}")
        print(f"  {'read into a given buffer (MB/s)':34}{swift['read_parallel_into_mb_s']:12.0f}{r['zarr_python']['read_into_mb_s']:14.0f}"
              f"{ratios['read_into_vs_zarr_python']:8.1f}x{'>= 2x':>9}")
        print(f"  {'single-thread read vs ZSTD_decompress':34}{swift['read_single_into_mb_s']:12.0f}"
              f"{swift['plain_zstd_decompress_single_mb_s']:14.0f}{ratios['single_thread_read_vs_plain_zstd'] * 100:8.0f}%{'>= 70%':>9}")
        print(f"  (single-thread write {swift['write_single_mb_s']:.0f} MB/s; plain single-thread ZSTD_compress2 "
              f"{swift['plain_zstd_compress_single_mb_s']:.0f} MB/s)  results: {args.json_out}")
        ok = (ratios["write_vs_zarr_python"] >= 2 and ratios["read_vs_zarr_python"] >= 2
              and ratios["read_into_vs_zarr_python"] >= 2
              and ratios["single_thread_read_vs_plain_zstd"] >= 0.7)
        print("  all targets met" if ok else "  TARGET MISSED")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
