"""One timed pass of a DataLoader over every window (a process of its own per measurement;
Benchmarks/training_bench.py runs it). Prints JSON: windows, seconds, windows_per_second,
first_batch_seconds, peak RSS of the main process and of the worker processes (MB)."""
import argparse
import glob
import json
import os
import resource
import sys
import time

import torch
from torch.utils.data import DataLoader, Dataset


class TorchLoadDataset(Dataset):
    """Today's path: the exported .pt files, one torch.load per window."""

    def __init__(self, folder):
        self.files = sorted(glob.glob(os.path.join(folder, "batch_*.pt")))

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return torch.load(self.files[i], weights_only=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kind", choices=["pt", "xarray", "cube"], required=True)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--store", required=True)
    p.add_argument("--pt", required=True, help="the exported .pt folder")
    a = p.parse_args()
    started = time.perf_counter()
    if a.kind == "pt":
        ds = TorchLoadDataset(a.pt)
    elif a.kind == "xarray":
        sys.path.insert(0, os.path.dirname(__file__))
        from xarray_dataset import XarrayCubeDataset
        ds = XarrayCubeDataset(a.store, sorted(glob.glob(os.path.join(a.pt, "batch_*.pt")))[0])
    else:
        from biocube.torch import CubeDataset
        ds = CubeDataset(a.store)
    loader = DataLoader(ds, batch_size=None, shuffle=True, num_workers=a.workers,
                        generator=torch.Generator().manual_seed(0))
    first = None
    count = 0
    cells = 0
    for item in loader:
        if first is None:
            first = time.perf_counter() - started
        count += 1
        cells += item["surface_variables"]["t2m"].numel()
    seconds = time.perf_counter() - started
    print(json.dumps({
        "kind": a.kind, "workers": a.workers, "windows": count, "seconds": seconds,
        "windows_per_second": count / seconds, "first_batch_seconds": first,
        "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if a.workers else None,
        "t2m_cells": cells,
    }))


if __name__ == "__main__":
    main()
