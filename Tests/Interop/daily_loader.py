"""A loader for the original daily (6-hourly) batch layout, written from its description
(Documentation/Reference.md §6b) as bfm-model's older daily loader reads it: it checks the structure, dtypes
and shapes, then prepares the batch as that loader does (crop H, W to multiples of 4; NaN →
the group mean clipped to mean ± 2σ; Distribution permuted to (T, S, H, W))."""
import numpy as np

import torch_checker

F32, F16, F64 = np.dtype("float32"), np.dtype("float16"), np.dtype("float64")
LAYOUT = {
    "surface_variables": (["t2m", "msl"], F32),
    "single_variables": (["lsm"], F32),
    "atmospheric_variables": (["z", "t"], F32),
    "species_extinction_variables": (["ExtinctionValue"], F16),
    "land_variables": (["Land", "NDVI"], F16),
    "agriculture_variables": (["AgricultureLand", "AgricultureIrrLand", "ArableLand", "Cropland"], F16),
    "forest_variables": (["Forest"], F16),
}
KEYS = ["batch_metadata", "surface_variables", "single_variables", "atmospheric_variables", "species_variables",
        "species_extinction_variables", "land_variables", "agriculture_variables", "forest_variables"]
RANKS = ["Phylum", "Class", "Order", "Family", "Genus", "Redlist"]


def check(d):
    """Raises AssertionError where `d` breaks the daily layout; returns (H, W, S)."""
    assert list(d) == KEYS, list(d)
    m = d["batch_metadata"]
    assert list(m) == ["latitudes", "longitudes", "timestamp", "pressure_levels", "species_list"]
    lats, lons = m["latitudes"], m["longitudes"]
    assert all(a > b for a, b in zip(lats, lats[1:])), "latitudes must descend"
    assert all(a < b for a, b in zip(lons, lons[1:])), "longitudes must ascend"
    assert len(m["timestamp"]) == 2 and all("T" in t and len(t) == 19 for t in m["timestamp"]), m["timestamp"]
    assert m["pressure_levels"] == [50, 500, 1000] and all(type(x) is int for x in m["pressure_levels"])
    assert all(type(x) is int for x in m["species_list"])
    h, w, s = len(lats), len(lons), len(m["species_list"])
    for group, (names, dtype) in LAYOUT.items():
        assert list(d[group]) == names, (group, list(d[group]))
        for n in names:
            a = d[group][n]
            want = (2, 3, h, w) if group == "atmospheric_variables" else (2, h, w)
            assert a.dtype == dtype and a.shape == want, (group, n, a.dtype, a.shape)
    sp = d["species_variables"]
    assert list(sp) == ["dynamic", "metadata"] and list(sp["dynamic"]) == ["Distribution"]
    dist = sp["dynamic"]["Distribution"]
    assert dist.dtype == F64 and dist.shape == (2, h, w, s), (dist.dtype, dist.shape)
    assert not np.isnan(dist).any()
    assert list(sp["metadata"]) == RANKS
    for r in RANKS:
        a = sp["metadata"][r]
        assert a.dtype == F16 and a.shape == (2, h, w, s), (r, a.dtype, a.shape)
        assert not (a[dist == 0] != 0).any(), f"{r}: a label where the species is absent"
    return h, w, s


def prepare(d):
    """The loader's preparation of a checked batch: crop, fill NaN, permute."""
    h, w, _ = check(d)
    hh, ww = h - h % 4, w - w % 4
    out = {}
    for group, (names, _) in LAYOUT.items():
        planes = {n: d[group][n][..., :hh, :ww].astype(np.float32) for n in names}
        values = np.concatenate([p[~np.isnan(p)] for p in planes.values()]) if planes else np.array([])
        mean, std = (float(values.mean()), float(values.std())) if values.size else (0.0, 0.0)
        fill = float(np.clip(mean, mean - 2 * std, mean + 2 * std))
        out[group] = {n: np.where(np.isnan(p), fill, p) for n, p in planes.items()}
    dist = d["species_variables"]["dynamic"]["Distribution"][:, :hh, :ww, :]
    out["Distribution"] = np.transpose(dist, (0, 3, 1, 2))
    return out


def load(path):
    return torch_checker.load_pt(path)
