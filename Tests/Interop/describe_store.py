"""Opens a BioCube store with zarr-python and xarray and prints what a Python user sees."""
import sys

import numpy as np
import xarray as xr
import zarr

path = sys.argv[1]
group = zarr.open_group(path, mode="r")
tree = xr.open_datatree(path, engine="zarr")
print(f"zarr-python {zarr.__version__} and xarray {xr.__version__} open {path}:")
for node in tree.subtree:
    for var in node.data_vars:
        da = node[var]
        arr = group[f"{node.path.strip('/')}/{var}"][:]
        assert np.array_equal(arr, da.values, equal_nan=True), f"{var}: xarray and zarr-python disagree"
        print(f"  {node.path.strip('/')}/{var} {tuple(da.shape)} {da.dtype} mean {float(np.nanmean(arr)):.2f} "
              f"{da.attrs.get('units', '')}  times {str(da.time.values[0])[:10]} … {str(da.time.values[-1])[:10]}")
print("  values agree between zarr-python and xarray")
