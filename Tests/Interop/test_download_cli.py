"""`biocube download era5` end to end against a fake CDS on loopback."""
import os
import subprocess

from fake_cds import FakeCDS


def run(biocube, env, *args):
    return subprocess.run([biocube.path, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def test_download_era5_fetches_one_file_per_year_and_skips_on_rerun(biocube, tmp_path):
    asset = os.urandom(3_000_000)
    with FakeCDS(asset, cut_first_download_at=500_000) as cds:
        env = {"CDSAPI_URL": cds.url, "CDSAPI_KEY": "test-key", "HOME": str(tmp_path)}
        out = tmp_path / "era5"
        args = ["download", "era5", "--dataset", "monthly-single", "--variables", "t2m,msl", "--years", "2000-2001", "--out", out]
        proc = run(biocube, env, *args)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        files = sorted(p for p in out.iterdir() if p.suffix == ".nc")
        assert len(files) == 2 and all(f.read_bytes() == asset for f in files)
        assert "complete" in proc.stdout and "retry" in proc.stdout
        assert [s[0] for s in cds.submitted] == ["reanalysis-era5-single-levels-monthly-means"] * 2
        assert cds.submitted[0][1]["inputs"]["variable"] == ["2m_temperature", "mean_sea_level_pressure"]
        assert cds.submitted[1][1]["inputs"]["year"] == ["2001"]
        again = run(biocube, env, *args)
        assert again.returncode == 0 and again.stdout.count("skipped") == 2 and len(cds.submitted) == 2


def test_download_era5_bad_key_is_a_clear_error(biocube, tmp_path):
    with FakeCDS(b"x") as cds:
        env = {"CDSAPI_URL": cds.url, "CDSAPI_KEY": "wrong", "HOME": str(tmp_path)}
        proc = run(biocube, env, "download", "era5", "--dataset", "monthly-single", "--variables", "t2m",
                   "--years", "2000", "--out", tmp_path / "o")
        assert proc.returncode == 1
        assert "401" in proc.stderr and "CDSAPI_KEY" in proc.stderr
