"""The BioCube batch pipeline written the usual way in Python: the baseline `make bench`
times BioCube against, on every ERA5 file layout.

Reads a BioCube tree (as `biocube sample` or the published dataset lays it out) and writes
the published monthly batches (`batch_<t0>_to_<t1>.pt`, the dict bfm-model loads) for
every window of two consecutive months:

  - ERA5: one `xarray.open_mfdataset` per folder (the folder names the batch group, as
    bfm-data assigns whole files), each window's two months selected with `reindex`
    (a month a file lacks is NaN), regridded onto the 0.25° Europe grid by nearest
    coordinate, pressure levels in the published order;
  - indicator CSVs (pandas): the year's (or month's) column placed on the grid, 0 where
    there is no row (BioCube's `--missing zero` default), border cells listed twice taking
    the first row (the last in the agriculture table);
  - species Parquet (pyarrow): occurrences summed per cell and month, 0 elsewhere;
  - `torch.save` of the dict in the published key order.

    python Benchmarks/xarray_pipeline.py BioCube/ out/ --start 2000-01 --end 2005-12
"""
import argparse
import glob
import os
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import torch
import xarray as xr

LATS = 32.0 + 0.25 * np.arange(161)
LONS = -25.0 + 0.25 * np.arange(281)
LEVELS = [1000.0, 925.0, 850.0, 700.0, 600.0, 500.0, 400.0, 300.0, 250.0, 200.0, 150.0, 100.0, 50.0]
FOLDERS = {
    "era5-single": "surface_variables",
    "era5-pressure": "atmospheric_variables",
    "era5-edaphic": "edaphic_variables",
    "era5-climate-energy-moisture": "climate_variables",
    "era5-evaporation-heat": "misc_variables",
}
GROUP_ORDER = ["surface_variables", "single_variables", "atmospheric_variables", "edaphic_variables",
               "climate_variables", "misc_variables", "forest_variables", "land_variables",
               "vegetation_variables", "agriculture_variables", "redlist_variables", "species_variables"]


def open_era5(root):
    """One lazily opened dataset per ERA5 folder, with uniform coordinate names."""
    out = {}
    for folder, group in FOLDERS.items():
        files = sorted(glob.glob(os.path.join(root, "Copernicus", "ERA5-monthly", folder, "*.nc")))
        if not files:
            continue
        ds = xr.open_mfdataset(files, combine="by_coords", compat="override", coords="minimal")
        ds = ds.rename({k: v for k, v in {"time": "valid_time", "level": "pressure_level"}.items() if k in ds.dims})
        ds = ds.drop_vars([v for v in ("number", "expver") if v in ds.variables])
        out[group] = ds
    return out


def era5_window(ds, times):
    """The dataset's variables at the two times on the grid: {name: float32 tensor}."""
    w = ds.reindex(valid_time=times).reindex(latitude=LATS, longitude=LONS, method="nearest", tolerance=1e-3)
    if "pressure_level" in w.dims:
        w = w.sel(pressure_level=LEVELS)
    w = w.load()
    return {name: torch.from_numpy(np.ascontiguousarray(w[name].values, dtype=np.float32)) for name in w.data_vars}


class Indicators:
    """Indicator CSVs as grids: each column placed once, on first use."""

    def __init__(self, root):
        def read(path):
            df = pd.read_csv(os.path.join(root, path), encoding="utf-8-sig")
            rows = np.rint((df["Latitude"].to_numpy() - LATS[0]) / 0.25).astype(int)
            lon = (df["Longitude"].to_numpy() + 180.0) % 360.0 - 180.0  # 0…360 tables too
            cols = np.rint((lon - LONS[0]) / 0.25).astype(int)
            ok = (rows >= 0) & (rows < len(LATS)) & (cols >= 0) & (cols < len(LONS))
            return df[ok].reset_index(drop=True), rows[ok], cols[ok]

        self.tables = {
            "Forest": read("Forest/Europe_forest_data.csv"),
            "Land": read("Land/Europe_land_data.csv"),
            "NDVI": read("Land/Europe_ndvi_monthly_un_025.csv"),
            "RLI": read("RedList/Europe_red_list_index.csv"),
            "Agriculture": read("Agriculture/Europe_combined_agriculture_data.csv"),
        }
        self.cache = {}

    def plane(self, table, column, variable=None):
        key = (table, column, variable)
        if key not in self.cache:
            df, rows, cols = self.tables[table]
            out = np.zeros((len(LATS), len(LONS)), dtype=np.float32)
            if column in df.columns:
                values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
                pick = np.ones(len(df), dtype=bool) if variable is None else (df["Variable"] == variable).to_numpy()
                # A cell listed twice (border cells): the first row wins, in the agriculture
                # table (one row per indicator) the last, as the original tooling reads them.
                flat, v = rows[pick] * len(LONS) + cols[pick], values[pick]
                if variable is not None:
                    flat, v = flat[::-1], v[::-1]
                _, first = np.unique(flat, return_index=True)
                flat, v = flat[first], v[first]
                out.reshape(-1)[flat[~np.isnan(v)]] = v[~np.isnan(v)]
            self.cache[key] = out
        return self.cache[key]

    def window(self, months):
        def two(table, column_of, variable=None):
            return torch.from_numpy(np.stack([self.plane(table, column_of(m), variable) for m in months]))
        return {
            "forest_variables": {"Forest": two("Forest", lambda m: f"Forest_{m.year}")},
            "land_variables": {"Land": two("Land", lambda m: str(m.year))},
            "vegetation_variables": {"NDVI": two("NDVI", lambda m: f"NDVI_{m.month:02d}/{m.year}")},
            "agriculture_variables": {v: two("Agriculture", lambda m: f"Agri_{m.year}", v) for v in ("Agriculture", "Arable", "Cropland")},
            "redlist_variables": {"RLI": two("RLI", lambda m: f"RLI_{m.year}")},
        }


class Species:
    """Occurrences summed per species, cell and month."""

    def __init__(self, root):
        t = pq.read_table(os.path.join(root, "Species", "europe_species.parquet"),
                          columns=["Species", "Latitude", "Longitude", "Timestamp", "Distribution"]).to_pandas()
        rows = np.rint((t["Latitude"].to_numpy() - LATS[0]) / 0.25).astype(np.int64)
        cols = np.rint((t["Longitude"].to_numpy() - LONS[0]) / 0.25).astype(np.int64)
        ok = (rows >= 0) & (rows < len(LATS)) & (cols >= 0) & (cols < len(LONS))
        t = t[ok]
        self.keys = sorted(t["Species"].unique().tolist())
        index = {k: i for i, k in enumerate(self.keys)}
        ts = t["Timestamp"].dt
        self.month = (ts.year * 12 + ts.month - 1).to_numpy()
        self.flat = t["Species"].map(index).to_numpy() * (len(LATS) * len(LONS)) + rows[ok] * len(LONS) + cols[ok]
        self.values = t["Distribution"].to_numpy()
        order = np.argsort(self.month, kind="stable")
        self.month, self.flat, self.values = self.month[order], self.flat[order], self.values[order]

    def plane(self, m):
        key = m.year * 12 + m.month - 1
        lo, hi = np.searchsorted(self.month, [key, key + 1])
        size = len(self.keys) * len(LATS) * len(LONS)
        return np.bincount(self.flat[lo:hi], weights=self.values[lo:hi], minlength=size).astype(np.float32).reshape(len(self.keys), len(LATS), len(LONS))

    def window(self, months):
        planes = np.stack([self.plane(m) for m in months], axis=1)  # (S, 2, H, W)
        return {str(k): torch.from_numpy(planes[i]) for i, k in enumerate(self.keys)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root")
    ap.add_argument("out")
    ap.add_argument("--start", default="2000-01")
    ap.add_argument("--end", required=True)
    a = ap.parse_args()
    began = time.perf_counter()
    os.makedirs(a.out, exist_ok=True)
    months = pd.date_range(a.start + "-01", a.end + "-01", freq="MS")
    era5 = open_era5(a.root)
    indicators = Indicators(a.root)
    species = Species(a.root)
    for t0, t1 in zip(months[:-1], months[1:]):
        times = [t0.to_datetime64(), t1.to_datetime64()]
        groups = {g: {} for g in GROUP_ORDER}
        for group, ds in era5.items():
            groups[group] = era5_window(ds, times)
        groups.update(indicators.window([t0, t1]))
        groups["species_variables"] = species.window([t0, t1])
        batch = {"batch_metadata": {
            "latitudes": LATS.tolist(), "longitudes": LONS.tolist(),
            "timestamp": [t0.strftime("%Y-%m-%d %H:%M:%S"), t1.strftime("%Y-%m-%d %H:%M:%S")],
            "pressure_levels": LEVELS, "species_list": [str(k) for k in species.keys]}}
        batch.update((g, groups[g]) for g in GROUP_ORDER)
        torch.save(batch, os.path.join(a.out, f"batch_{t0:%Y-%m-%d}_to_{t1:%Y-%m-%d}.pt"))
    print(f"{len(months) - 1} batches in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
