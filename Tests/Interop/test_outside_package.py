"""BioCube used as a dependency: a package outside the repository (Examples/custom-modality,
`.package(path:)` only) adds its own modality, builds a store with it and the built-in
sources, and exports the standard batches, read back with the real torch.load; and the
batch library's dependency closure needs neither netCDF nor HDF5 nor the argument parser."""
import json
import os
import shutil
import subprocess

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "Examples", "custom-modality")


def closure(targets, name):
    """Every target and product `name` depends on, transitively."""
    seen, todo = set(), [name]
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        if t in targets:
            todo.extend(targets[t])
    return seen


def test_library_dependency_closures():
    out = subprocess.run(["swift", "package", "describe", "--type", "json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    described = json.loads(out.stdout)
    targets = {t["name"]: t.get("target_dependencies", []) + t.get("product_dependencies", []) for t in described["targets"]}
    batch = closure(targets, "BioCubeBatch")
    # ISA-L (CISAL) checks chunks' CRC-32C; nothing of netCDF, HDF5, the modalities, the
    # transfers or OpenSSL (the statistics identity is Core's Swift SHA-256; libcrypto, for
    # download checks, is BioCubeTransfer's).
    assert batch == {"BioCubeBatch", "BioCubeCore", "CZstd", "CZlib", "CGlibc", "CISAL", "SystemPackage"}, batch
    assert "CCrypto" in closure(targets, "BioCubeTransfer")
    # The store and batches link no networking: FoundationNetworking (URLSession, libcurl) is
    # imported by BioCubeTransfer only, never by a target BioCubeBatch depends on.
    for target in batch:
        folder = os.path.join(ROOT, "Sources", target)
        for dirpath, _, names in os.walk(folder):
            for name in names:
                if name.endswith(".swift"):
                    text = open(os.path.join(dirpath, name), encoding="utf-8").read()
                    assert "import FoundationNetworking" not in text, os.path.join(dirpath, name)
    assert "BioCubeTransfer" in closure(targets, "BioCubeERA5") and "BioCubeTransfer" not in closure(targets, "BioCubeBuild")
    # Modality targets meet only through the protocols: none pulls in another.
    modalities = {"BioCubeERA5", "BioCubeIndicators", "BioCubeSpecies", "BioCubeMedia"}
    for m in modalities:
        assert not (modalities - {m}) & closure(targets, m), m
    assert not {"CNetCDF", "CHDF5", "BioCubeBatch"} & closure(targets, "BioCubeMedia")
    for library in ["BioCubeCore", "BioCubeTransfer", "BioCubeERA5", "BioCubeIndicators", "BioCubeSpecies", "BioCubeMedia", "BioCubeBatch", "BioCubeBuild", "BioCube"]:
        assert "ArgumentParser" not in closure(targets, library), library
    assert not {"CNetCDF", "CHDF5"} & closure(targets, "BioCubeBuild")


def test_outside_package_builds_and_exports_its_own_modality(sample, tmp_path):
    root = tmp_path / "BioCube"
    shutil.copytree(sample, root)
    (root / "Elevation").mkdir()
    rows = [(40 + 0.25 * i, 2 + 0.25 * j, 100.0 * i + j) for i in range(8) for j in range(5)]
    with open(root / "Elevation" / "alps.csv", "w") as f:
        f.write("latitude,longitude,elevation_m\n")
        for la, lo, m in rows:
            f.write(f"{la},{lo},{m}\n")
    build = subprocess.run(["swift", "build", "--package-path", EXAMPLE], capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, build.stderr + build.stdout
    binary = subprocess.run(["swift", "build", "--package-path", EXAMPLE, "--show-bin-path"], capture_output=True, text=True,
                            timeout=600).stdout.strip()
    run = subprocess.run([os.path.join(binary, "custom-modality"), str(root), str(tmp_path / "cube.zarr"), str(tmp_path / "batches")],
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stderr + run.stdout
    assert "2 batches" in run.stdout, run.stdout
    batch = torch.load(tmp_path / "batches" / "batch_2000-01-01_to_2000-02-01.pt", weights_only=True)
    # Its own group, after the twelve published groups (its store has no extra groups):
    # the published groups are untouched.
    assert list(batch)[-1] == "terrain_variables" and list(batch)[-2] == "species_variables", list(batch)
    assert list(batch["misc_variables"]) == ["avg_slhtf", "avg_pevr"]
    assert list(batch["terrain_variables"]) == ["elevation"]
    elevation = batch["terrain_variables"]["elevation"].numpy()
    lats = np.array(batch["batch_metadata"]["latitudes"])
    lons = np.array(batch["batch_metadata"]["longitudes"])
    assert elevation.shape == (2, len(lats), len(lons))
    expected = np.full_like(elevation[0], np.nan)   # a group of one's own keeps NaN under --missing zero
    for la, lo, m in rows:
        expected[np.argmin(abs(lats - la)), np.argmin(abs(lons - lo))] = m
    np.testing.assert_array_equal(elevation[0], expected)
    np.testing.assert_array_equal(elevation[1], expected)
