"""`biocube download era5` and `download gbif` end to end against fakes on loopback that answer
as the CDS and GBIF do (fake_cds.py, fake_gbif.py): what lands on disk, what is printed, and
how failures, refusals, outages and interruptions are met."""
import json
import os
import subprocess
import time

from fake_cds import FakeCDS
from fake_gbif import FakeGBIF


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
        # The token went to the CDS only, never to the storage host of the assets.
        assert cds.storage_log and all("PRIVATE-TOKEN" not in h for _, h in cds.storage_log)
        assert all(h.get("User-Agent", "").startswith("biocube/") for _, h in cds.storage_log)


ERA5_ARGS = ["download", "era5", "--dataset", "monthly-single", "--variables", "t2m", "--years", "2000"]


def cds_env(cds, tmp_path):
    return {"CDSAPI_URL": cds.url, "CDSAPI_KEY": "test-key", "HOME": str(tmp_path)}


def test_a_rejected_or_failed_job_prints_the_servers_reason(biocube, tmp_path):
    for final in ("rejected", "failed"):
        with FakeCDS(b"x", final=final) as cds:
            proc = run(biocube, cds_env(cds, tmp_path), *ERA5_ARGS, "--out", tmp_path / final)
            assert proc.returncode == 1
            assert f"{final} on the CDS" in proc.stderr and "job failed" in proc.stderr
            assert "MarsRuntimeError: MARS returned no data" in proc.stderr, proc.stderr
            assert "unknown status" not in proc.stderr
            assert not list((tmp_path / final).glob("*.nc"))


def test_refusals_name_the_licence_only_when_it_is_the_licence(biocube, tmp_path):
    licence = (403, "required licences not accepted",
               "please accept the following licences to proceed: [{'id': 'licence-to-use-copernicus-products'}]")
    with FakeCDS(b"x", refusal=licence) as cds:
        proc = run(biocube, cds_env(cds, tmp_path), *ERA5_ARGS, "--out", tmp_path / "a")
        assert proc.returncode == 1 and "required licences not accepted" in proc.stderr
        assert "reanalysis-era5-single-levels-monthly-means?tab=download#manage-licences" in proc.stderr
    cost = (403, "cost limits exceeded", "Your request is too large, please reduce your selection.")
    with FakeCDS(b"x", refusal=cost) as cds:
        proc = run(biocube, cds_env(cds, tmp_path), *ERA5_ARGS, "--out", tmp_path / "b")
        assert proc.returncode == 1 and "cost limits exceeded" in proc.stderr and "reduce your selection" in proc.stderr
        assert "licence" not in proc.stderr.lower()


def test_an_outage_while_polling_is_waited_out_without_resubmitting(biocube, tmp_path):
    """A minute of 502s while the job runs (the default retry horizon, as cdsapi's, is hours)."""
    asset = os.urandom(20_000)
    with FakeCDS(asset, outage_seconds=60) as cds:
        began = time.monotonic()
        proc = run(biocube, cds_env(cds, tmp_path), *ERA5_ARGS, "--out", tmp_path / "o")
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert time.monotonic() - began >= 60, "the outage was waited through"
        assert len(cds.submitted) == 1 and "retry" in proc.stdout and "502" in proc.stdout
        assert [p.read_bytes() for p in (tmp_path / "o").glob("*.nc")] == [asset]


def test_a_rerun_polls_the_job_it_submitted(biocube, tmp_path):
    asset = os.urandom(10_000)
    out = tmp_path / "o"
    with FakeCDS(asset) as cds:
        cds.hold = True
        proc = subprocess.Popen([biocube.path, *map(str, ERA5_ARGS), "--out", str(out)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, **cds_env(cds, tmp_path)})
        deadline = time.monotonic() + 60
        while cds.polls < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        assert len(cds.submitted) == 1
        manifest = json.loads((out / ".biocube-downloads.json").read_text())
        assert list(manifest["pending"].values()) == list(cds.jobs), "the job id is on disk before the wait"
        cds.hold = False
        again = run(biocube, cds_env(cds, tmp_path), *ERA5_ARGS, "--out", out)
        assert again.returncode == 0, again.stderr
        assert len(cds.submitted) == 1, "no second submission"
        assert [p.read_bytes() for p in out.glob("*.nc")] == [asset]


def test_download_era5_bad_key_is_a_clear_error(biocube, tmp_path):
    with FakeCDS(b"x") as cds:
        env = {"CDSAPI_URL": cds.url, "CDSAPI_KEY": "wrong", "HOME": str(tmp_path)}
        proc = run(biocube, env, "download", "era5", "--dataset", "monthly-single", "--variables", "t2m",
                   "--years", "2000", "--out", tmp_path / "o")
        assert proc.returncode == 1
        assert "401" in proc.stderr and "CDSAPI_KEY" in proc.stderr


def gbif_table(key, rows):
    """A GBIF SQL cube download's TSV, with the columns the species-cube query selects."""
    header = "yearMonth\teeaCellCode\tspeciesKey\tkingdom\tphylum\tclass\torder\tfamily\tgenus\tspecies\toccurrences\n"
    return header + "".join(f"{ym}\t{cell}\t{key}\tAnimalia\tChordata\tAves\tPasseriformes\tParidae\tParus\tParus major\t{n}\n"
                            for ym, cell, n in rows)


def test_download_gbif_then_species_cube_builds_the_species_table(biocube, tmp_path):
    import pyarrow.parquet as pq
    tables = {"2435098": gbif_table(2435098, [("2010-05", "10kmE395N243", 3), ("2010-05", "10kmE395N243", 4),
                                              ("2011-01", "10kmE396N243", 5)] + [("2012-03", f"10kmE{400 + i % 150}N{250 + i // 150}", i + 1) for i in range(3000)]),
              "5219173": gbif_table(5219173, [("2000-01", "10kmE395N243", 2)])}
    with FakeGBIF(tables, cut_first_download_at=5_000, busy=2) as gbif:
        env = {"GBIF_API_URL": gbif.url, "GBIF_USER": "tester", "GBIF_PWD": "secret"}
        out = tmp_path / "cubes"
        args = ["download", "gbif", "--species", "2435098,5219173", "--years", "2000-2020", "--out", out, "--poll-interval", "0.05"]
        proc = run(biocube, env, *args)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert sorted(p.name for p in out.glob("*.zip")) == ["2435098.zip", "5219173.zip"]
        assert gbif.validated == 2 and len(gbif.requested) == 2
        sqls = sorted(r["sql"] for r in gbif.requested)
        assert "speciesKey = 2435098" in sqls[0] and "GBIF_EEARGCode(10000" in sqls[0]
        assert all(r["sendNotification"] is False for r in gbif.requested)
        assert "retry" in proc.stdout and "next: biocube species-cube" in proc.stdout
        assert gbif.refused == 2 and "420" in proc.stdout, "GBIF's 420 was waited out"
        # The DOIs GBIF minted, which users must cite, are printed and kept in the manifest.
        assert "GBIF.org (4 June 2026) GBIF Occurrence Download https://doi.org/10.15468/dl.0000001" in proc.stdout
        manifest = json.loads((out / ".biocube-downloads.json").read_text())
        dois = sorted(e["doi"] for e in manifest["entries"].values())
        assert dois == ["10.15468/dl.0000001", "10.15468/dl.0000002"]
        assert all(e["licence"].endswith("by-nc/4.0/legalcode") and e["citation"].startswith("GBIF.org (")
                   for e in manifest["entries"].values())
        again = run(biocube, env, *args)
        assert again.returncode == 0 and again.stdout.count("skipped") == 2 and len(gbif.requested) == 2
    species = tmp_path / "europe_species.parquet"
    conv = run(biocube, {}, "species-cube", "--input", out, "--output", species)
    assert conv.returncode == 0, conv.stderr + conv.stdout
    df = pq.read_table(species).to_pandas()
    assert set(df.Species) == {2435098, 5219173}
    may = df[(df.Species == 2435098) & (df.Timestamp == "2010-05-01")]
    assert len(may) == 1 and may.Distribution.iloc[0] == 7.0        # the two rows of one cell and month summed
    assert abs(may.Latitude.iloc[0] - 45.0) < 1e-9 and abs(may.Longitude.iloc[0] - 5.25) < 1e-9
    assert df[df.Species == 2435098].Distribution.sum() == 7 + 5 + sum(range(1, 3001))
    assert set(df.Family) == {"Paridae"}


def test_download_gbif_without_credentials_names_the_variables(biocube, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GBIF_")}
    proc = subprocess.run([biocube.path, "download", "gbif", "--species", "1", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 1 and "GBIF_USER" in proc.stderr


def test_download_gbif_wrong_password_is_a_clear_error(biocube, tmp_path):
    with FakeGBIF({}) as gbif:
        proc = run(biocube, {"GBIF_API_URL": gbif.url, "GBIF_USER": "tester", "GBIF_PWD": "nope"},
                   "download", "gbif", "--species", "1", "--out", tmp_path / "o")
        assert proc.returncode == 1 and "401" in proc.stderr and "GBIF_PWD" in proc.stderr


def test_download_gbif_species_file_and_custom_sql(biocube, tmp_path):
    tables = {"2435098": gbif_table(2435098, [("2010-05", "10kmE395N243", 3)]),
              "5219173": gbif_table(5219173, [("2000-01", "10kmE395N243", 2)])}
    keys = tmp_path / "keys.txt"
    keys.write_text("# species of the study\n2435098\n\n5219173  # great tit's cousin\n2435098\n")
    with FakeGBIF(tables) as gbif:
        env = {"GBIF_API_URL": gbif.url, "GBIF_USER": "tester", "GBIF_PWD": "secret", "GBIF_EMAIL": "me@example.org"}
        proc = run(biocube, env, "download", "gbif", "--species-file", keys, "--years", "2001-2003", "--grid-meters", "1000",
                   "--area", "60,-10,40,20", "--out", tmp_path / "a", "--poll-interval", "0.05", "--no-validate")
        assert proc.returncode == 0, proc.stderr + proc.stdout
        assert sorted(p.name for p in (tmp_path / "a").glob("*.zip")) == ["2435098.zip", "5219173.zip"]   # duplicate key once
        assert gbif.validated == 0 and len(gbif.requested) == 2
        body = gbif.requested[0]
        assert body["sendNotification"] is True and body["notificationAddresses"] == ["me@example.org"]
        sql = body["sql"]
        assert "GBIF_EEARGCode(1000," in sql and '"year" >= 2001' in sql and '"year" <= 2003' in sql
        assert "decimalLatitude >= 40" in sql and "decimalLatitude <= 60" in sql and "decimalLongitude >= -10" in sql
        query = tmp_path / "q.sql"
        query.write_text("SELECT speciesKey, COUNT(*) FROM occurrence WHERE speciesKey = 5219173 GROUP BY speciesKey")
        custom = run(biocube, env, "download", "gbif", "--sql", query, "--name", "mine", "--out", tmp_path / "b",
                     "--poll-interval", "0.05")
        assert custom.returncode == 0, custom.stderr + custom.stdout
        assert (tmp_path / "b" / "mine.zip").exists() and gbif.requested[-1]["sql"] == query.read_text()
    bad = tmp_path / "bad.txt"
    bad.write_text("2435098\nParus major\n")
    proc = run(biocube, {"GBIF_USER": "u", "GBIF_PWD": "p"}, "download", "gbif", "--species-file", bad, "--out", tmp_path / "c")
    assert proc.returncode == 1 and "line 2" in proc.stderr and "Parus major" in proc.stderr
    proc = run(biocube, {"GBIF_USER": "u", "GBIF_PWD": "p"}, "download", "gbif", "--sql", query, "--out", tmp_path / "c")
    assert proc.returncode == 1 and "--name" in proc.stderr


def test_download_era5_for_a_date_list_asks_each_month_for_its_days(biocube, tmp_path):
    dates = tmp_path / "dates.txt"
    dates.write_text("# the original's timestamps mode\n2000-01-05\n2000-01-02\n\n2000-03-31  # end of March\n2000-01-05\n")
    with FakeCDS(b"netcdf bytes") as cds:
        env = {"CDSAPI_URL": cds.url, "CDSAPI_KEY": "test-key", "HOME": str(tmp_path)}
        out = tmp_path / "era5"
        proc = run(biocube, env, "download", "era5", "--dataset", "hourly-single", "--variables", "t2m", "--dates", dates, "--out", out)
        assert proc.returncode == 0, proc.stderr + proc.stdout
        inputs = [s[1]["inputs"] for s in cds.submitted]
        assert [s[0] for s in cds.submitted] == ["reanalysis-era5-single-levels"] * 2
        assert [(i["year"], i["month"], i["day"]) for i in inputs] == [(["2000"], ["01"], ["02", "05"]), (["2000"], ["03"], ["31"])]
        assert all(i["time"] == ["00:00", "06:00", "12:00", "18:00"] for i in inputs)
        assert len([p for p in out.iterdir() if p.suffix == ".nc"]) == 2
    bad = tmp_path / "bad.txt"
    bad.write_text("2000-01-05\n2000-02-30\n")
    proc = run(biocube, {"CDSAPI_URL": "http://127.0.0.1:9", "CDSAPI_KEY": "k", "HOME": str(tmp_path)},
               "download", "era5", "--dataset", "hourly-single", "--variables", "t2m", "--dates", bad, "--out", tmp_path / "o")
    assert proc.returncode != 0 and "bad.txt:2" in proc.stderr and "2000-02-30" in proc.stderr
    monthly = run(biocube, {"CDSAPI_URL": "http://127.0.0.1:9", "CDSAPI_KEY": "k", "HOME": str(tmp_path)},
                  "download", "era5", "--dataset", "monthly-single", "--variables", "t2m", "--dates", dates, "--out", tmp_path / "o")
    assert monthly.returncode != 0 and "hourly" in monthly.stderr
