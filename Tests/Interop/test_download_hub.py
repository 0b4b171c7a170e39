"""`biocube download biocube` against a fake Hugging Face Hub serving a sample tree: the
listing's pages, a 429, a file cut mid-way and resumed, checksums, --include and --pattern,
a rerun that downloads nothing, and `biocube scan` finding the downloaded tree."""
import json
import os

import pytest

from fake_hub import COMMIT, FakeHub


@pytest.fixture(scope="module")
def published(biocube, tmp_path_factory):
    root = tmp_path_factory.mktemp("hub") / "BioCube"
    biocube("sample", root, "--end", "2000-02")
    (root / "README.md").write_text("# BioCube sample\n")
    return root


def test_download_resume_rerun_and_scan(biocube, published, tmp_path):
    big = sorted(p for p in published.rglob("*.nc"))[0]
    cut = str(big.relative_to(published))
    out = tmp_path / "data"
    with FakeHub(published, cut=cut, token="hf_test") as hub:
        env = {**os.environ, "HF_TOKEN": "hf_test"}
        import subprocess
        run = subprocess.run([biocube.path, "download", "biocube", "--out", out, "--endpoint", hub.url],
                             capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr + run.stdout
        files = [e for e in hub.entries if e["type"] == "file"]
        assert f"{len(files)} of {len(files)} files selected" in run.stdout
        assert f"done: {len(files)} downloaded" in run.stdout
        for e in files:
            assert (out / e["path"]).read_bytes() == (published / e["path"]).read_bytes(), e["path"]
        assert not list(out.rglob(".*.part"))
        assert sum(p.startswith(f"/files/{cut}") for p, _ in hub.cdn_log) >= 2, "the cut file resumed"
        assert all(a == "Bearer hf_test" for a in hub.auth)
        assert all(a is None for _, a in hub.cdn_log), "the token stays with the Hub"
        # Every file is resolved at the listing's commit (main has moved on since), once.
        resolves = [p for p in hub.log if "/resolve/" in p]
        assert resolves and all(f"/resolve/{COMMIT}/" in p for p in resolves)
        assert not any(p.startswith("/moved/") for p, _ in hub.cdn_log)
        assert len(resolves) <= len(files) + 1, "pieces after the first come from the CDN"
        before = len(hub.cdn_log)
        again = subprocess.run([biocube.path, "download", "biocube", "--out", out, "--endpoint", hub.url],
                               capture_output=True, text=True, env=env)
        assert again.returncode == 0 and f"0 downloaded" in again.stdout and f"{len(files)} already complete" in again.stdout
        assert len(hub.cdn_log) == before
        # Without the token the (gated) fake refuses, and the message says what to do.
        denied = subprocess.run([biocube.path, "download", "biocube", "--out", out, "--endpoint", hub.url],
                                capture_output=True, text=True, env={k: v for k, v in env.items() if k != "HF_TOKEN"})
        assert denied.returncode == 1 and "HF_TOKEN" in denied.stderr
    a = json.loads(biocube("scan", published, "--out", tmp_path / "a.json").stdout and (tmp_path / "a.json").read_text())
    b = json.loads(biocube("scan", out, "--out", tmp_path / "b.json").stdout and (tmp_path / "b.json").read_text())
    assert [s["path"] for s in a["sources"]] == [s["path"] for s in b["sources"]]


def test_include_and_pattern_select_files(biocube, published, tmp_path):
    with FakeHub(published) as hub:
        listed = biocube("download", "biocube", "--out", tmp_path / "x", "--endpoint", hub.url, "--include", "Species",
                         "--list").stdout
        assert "europe_species.parquet" in listed and ".nc" not in listed
        biocube("download", "biocube", "--out", tmp_path / "y", "--endpoint", hub.url, "--pattern", "Copernicus/**/*.nc")
        got = sorted(str(p.relative_to(tmp_path / "y")) for p in (tmp_path / "y").rglob("*") if p.is_file())
        assert got and all(g.startswith("Copernicus/") and g.endswith(".nc") for g in got)
        bad = biocube("download", "biocube", "--out", tmp_path / "z", "--endpoint", hub.url, "--include", "Nothing",
                      check=False)
        assert bad.returncode != 0 and "top-level folders" in bad.stderr
