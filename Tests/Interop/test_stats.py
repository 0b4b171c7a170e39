"""`biocube stats` against a float64 NumPy reference: NaN/Inf handling, an all-NaN
variable, per-level lists, catastrophic-cancellation data, and store statistics weighted
as the windows equal statistics over the exported batches."""
import json

import numpy as np
import pytest

from batchfiles import write_batch

def reference(arrays):
    x = np.concatenate([a.astype(np.float64).ravel() for a in arrays])
    valid = x[np.isfinite(x)]
    out = {"count_valid": int(valid.size), "count_nan": int(np.isnan(x).sum())}
    out["nan_pct"] = out["count_nan"] / x.size
    if valid.size:
        out.update(mean=float(valid.mean()), std=float(valid.std()), min=float(valid.min()), max=float(valid.max()))
    else:
        out.update(mean=0.0, std=0.0, min=None, max=None)
    return out


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is b
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300) or abs(a - b) < 1e-300


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    rng = np.random.default_rng(5)
    d = tmp_path_factory.mktemp("stats-batches")
    batches = []
    for k in range(3):
        t2m = (280 + 10 * rng.standard_normal((2, 6, 7))).astype(np.float32)
        t2m[0, 1, 2] = np.nan
        t2m[1, 3, 3] = np.inf
        big = (1e8 + 8 * rng.integers(0, 12, (2, 6, 7))).astype(np.float32)   # spacing 8 at 1e8
        t = (250 + 20 * rng.standard_normal((2, 3, 6, 7))).astype(np.float32)
        t[:, 1, 0, :] = np.nan
        tensors = {("surface_variables", "t2m"): t2m, ("climate_variables", "big"): big,
                   ("misc_variables", "allnan"): np.full((2, 6, 7), np.nan, np.float32),
                   ("atmospheric_variables", "t"): t}
        write_batch(d / f"batch_{k}.safetensors", tensors, [f"2000-0{k + 1}-01 00:00:00", f"2000-0{k + 2}-01 00:00:00"])
        batches.append(tensors)
    return d, batches


def test_stats_over_batches_match_numpy(biocube, crafted, tmp_path):
    d, batches = crafted
    out = tmp_path / "stats.json"
    biocube("stats", "--batches", d, "--out", out)
    stats = json.loads(out.read_text())
    assert set(stats) == {"surface_variables", "climate_variables", "misc_variables", "atmospheric_variables"}
    for (g, n) in batches[0]:
        got = stats[g][n]
        if n == "t":
            for level in range(3):
                want = reference([b[(g, n)][:, level] for b in batches])
                for f in ("mean", "std", "min", "max", "count_valid", "count_nan", "nan_pct"):
                    assert isinstance(got[f], list) and len(got[f]) == 3
                    assert close(got[f][level], want[f]), (n, level, f, got[f][level], want[f])
        else:
            want = reference([b[(g, n)] for b in batches])
            for f in ("mean", "std", "min", "max", "count_valid", "count_nan", "nan_pct"):
                assert close(got[f], want[f]), (n, f, got[f], want[f])
    assert stats["misc_variables"]["allnan"] == {"mean": 0, "std": 0, "min": None, "max": None,
                                                "count_valid": 0, "count_nan": 252, "nan_pct": 1.0}
    # Values near 1e8 with a spread of ~30: E[x²] − E[x]² in float32 would be pure noise;
    # the statistics keep the variance to 1e-9.
    x = np.concatenate([b[("climate_variables", "big")].astype(np.float64).ravel() for b in batches])
    assert close(stats["climate_variables"]["big"]["std"], float(x.std()))


def test_store_statistics_weighted_as_windows_equal_batch_statistics(biocube, pipeline, tmp_path):
    work = pipeline["work"]
    a, b = tmp_path / "from_store.json", tmp_path / "from_batches.json"
    biocube("stats", "--store", work / "cube.zarr", "--out", a)
    biocube("stats", "--batches", work / "pt", "--out", b)
    sa, sb = json.loads(a.read_text()), json.loads(b.read_text())
    assert set(sa) == set(sb)
    for g in sa:
        assert list(sa[g]) == list(sb[g]) or set(sa[g]) == set(sb[g])
        for n in sa[g]:
            for f, v in sa[g][n].items():
                w = sb[g][n][f]
                for x, y in zip(v if isinstance(v, list) else [v], w if isinstance(w, list) else [w]):
                    assert close(x, y, 1e-9), (g, n, f, x, y)
    # Weighting by steps differs from the windows' weighting (interior steps count once).
    c = tmp_path / "steps.json"
    biocube("stats", "--store", work / "cube.zarr", "--out", c, "--weighting", "steps")
    sc = json.loads(c.read_text())
    assert sc["surface_variables"]["t2m"]["count_valid"] * 4 == sa["surface_variables"]["t2m"]["count_valid"] * 3
