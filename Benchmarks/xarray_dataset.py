"""The baseline of the training benchmark: a PyTorch Dataset over the same store built the
way climate peers build theirs (anemoi-training, xbatcher), with xarray + zarr-python.

Item *i* is the same dict as `biocube batches --format pt` writes for window *i*: every
selected variable's two steps read with `.isel(time=slice(i, i + 2)).values`, NaN replaced
by 0 in the indicator and species groups, `torch.from_numpy`. The contract (group and
variable order, metadata) is taken from one exported file, the values from the store.
Each process opens the store itself (zarr-python's event-loop thread does not survive a fork).
"""
import os

import numpy as np
import torch
import torch.utils.data
import xarray as xr
import zarr

ZERO_FILLED = {"forest_variables", "land_variables", "vegetation_variables", "agriculture_variables",
               "redlist_variables", "species_variables"}


class XarrayCubeDataset(torch.utils.data.Dataset):
    def __init__(self, store, template_file):
        self.store = str(store)
        template = torch.load(template_file, weights_only=True)
        self.metadata = {k: v for k, v in template["batch_metadata"].items() if k != "timestamp"}
        root = zarr.open_group(self.store, mode="r")
        paths = {}
        for v in root.attrs["variables"]:
            for g in v["groups"]:
                paths[(g, v["name"])] = v["path"]
        self.layout = [(group, [(name, paths[(group, name)]) for name in variables])
                       for group, variables in template.items() if group != "batch_metadata"]
        self.levels = [int(l) for l in (template["batch_metadata"]["pressure_levels"] or [])]
        self._tree, self._pid = None, None
        tree = self._open()
        self.times = [str(t)[:19].replace("T", " ") for t in tree["time"].values]

    def _open(self):
        if self._pid != os.getpid():
            self._tree = xr.open_datatree(self.store, engine="zarr", chunks=None)
            self._pid = os.getpid()
        return self._tree

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_tree"], state["_pid"] = None, None
        return state

    def __len__(self):
        return len(self.times) - 1

    def __getitem__(self, i):
        tree = self._open()
        out = {"batch_metadata": {"latitudes": self.metadata["latitudes"], "longitudes": self.metadata["longitudes"],
                                  "timestamp": [self.times[i], self.times[i + 1]],
                                  "pressure_levels": self.metadata["pressure_levels"],
                                  "species_list": self.metadata["species_list"]}}
        for group, members in self.layout:
            values = {}
            for name, path in members:
                da = tree[path].isel(time=slice(i, i + 2))
                if "level" in da.dims and self.levels:
                    da = da.sel(level=self.levels)
                a = np.ascontiguousarray(da.values, dtype=np.float32)
                if group in ZERO_FILLED:
                    a = np.nan_to_num(a, nan=0.0)
                values[name] = torch.from_numpy(a)
            out[group] = values
        return out
