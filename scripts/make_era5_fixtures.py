"""Writes small ERA5 NetCDF fixtures in both layouts the Copernicus CDS has delivered,
plus the values a reader must produce on the BioCube Europe 0.25° grid.

    python scripts/make_era5_fixtures.py OUTDIR

Layouts (Documentation/Reference.md §2):
  new/      netCDF-4 like the 2024+ CDS: valid_time int64 seconds since 1970, latitude
            descending, float32 with NaN _FillValue, zlib level 1 + shuffle, number,
            expver strings, GRIB_* attributes; a 13-level pressure file.
  legacy/   netCDF-3 like the old CDS: time int32 hours since 1900, int16 packed with
            scale_factor/add_offset/_FillValue/missing_value, global 0…359.75 longitudes,
            an expver dimension on the single-level file, pressure as ascending int `level`.
  cds_download.zip   a CDS multi-stream download: two .nc members read as one source.
  bad/      inputs that must give clear errors.
  expected/ float32 planes on europe025 (161 × 281, latitude ascending), one file per
            variable and month: <var>_<YYYY-MM>.f32 ([13, 161, 281] for pressure variables,
            levels 1000 → 50 hPa). All values come from one formula, evaluated here.
"""
import os
import shutil
import sys
import zipfile
from datetime import datetime, timezone

import netCDF4
import numpy as np

MONTHS = ["2000-01", "2000-02", "2000-03"]
LEVELS = [1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50]
SINGLE = {  # name: (base, amplitude, units, long_name, GRIB short name)
    "t2m": (285.0, 12.0, "K", "2 metre temperature", "2t"),
    "msl": (101300.0, 900.0, "Pa", "Mean sea level pressure", "msl"),
    "u10": (0.5, 6.0, "m s**-1", "10 metre U wind component", "10u"),
}
TP = ("tp", (0.002, 0.0015, "m", "Total precipitation", "tp"))
PRESSURE = {
    "t": (250.0, 20.0, "K", "Temperature", "t"),
    "z": (50000.0, 3000.0, "m**2 s**-2", "Geopotential", "z"),
}


def field(name, base, amp, month_index, lat, lon, level_index=None):
    """The one formula every fixture and expectation uses (float64)."""
    la = np.radians(np.asarray(lat, dtype=np.float64))[:, None]
    lo = np.radians(((np.asarray(lon, dtype=np.float64) + 180) % 360) - 180)[None, :]
    seed = sum(ord(c) for c in name)
    v = base + amp * (np.cos(la) * np.sin(2 * lo + seed) + 0.3 * np.sin(3 * la + month_index))
    if level_index is not None:
        v = v + amp * 0.05 * level_index
    return v


def month_start(m):
    return datetime.strptime(m, "%Y-%m").replace(tzinfo=timezone.utc)


def axis(first, last, step):
    n = int(round(abs(last - first) / step)) + 1
    return first + np.sign(last - first) * step * np.arange(n)


def grib_attrs(var, short, units, long_name):
    var.setncattr("GRIB_paramId", np.int64(abs(hash(short)) % 300000))
    var.setncattr("GRIB_shortName", short)
    var.setncattr("GRIB_units", units)
    var.setncattr("GRIB_gridType", "regular_ll")
    var.setncattr("units", units)
    var.setncattr("long_name", long_name)
    var.setncattr("standard_name", "unknown")


def new_cds(path, variables, lat, lon, months, levels=None, stamps=None, field_chunks=True, chunks=None, fletcher32=False,
            endian="native"):
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.setncattr("GRIB_centre", "ecmf")
        ds.setncattr("Conventions", "CF-1.7")
        ds.setncattr("institution", "European Centre for Medium-Range Weather Forecasts")
        ds.createDimension("valid_time", len(months))
        if levels is not None:
            ds.createDimension("pressure_level", len(levels))
        ds.createDimension("latitude", len(lat))
        ds.createDimension("longitude", len(lon))
        num = ds.createVariable("number", "i8")
        num.assignValue(0)
        num.long_name = "ensemble member numerical id"
        vt = ds.createVariable("valid_time", "i8", ("valid_time",))
        vt[:] = stamps if stamps is not None else [int(month_start(m).timestamp()) for m in months]
        vt.units = "seconds since 1970-01-01"
        vt.calendar = "proleptic_gregorian"
        vt.standard_name = "time"
        if levels is not None:
            pl = ds.createVariable("pressure_level", "f8", ("pressure_level",))
            pl[:] = levels
            pl.units = "hPa"
            pl.stored_direction = "decreasing"
        la = ds.createVariable("latitude", "f8", ("latitude",))
        la[:] = lat
        la.units = "degrees_north"
        la.stored_direction = "decreasing"
        lo = ds.createVariable("longitude", "f8", ("longitude",))
        lo[:] = lon
        lo.units = "degrees_east"
        ex = ds.createVariable("expver", str, ("valid_time",))
        for i in range(len(months)):
            ex[i] = "0001"
        dims = ("valid_time", "pressure_level", "latitude", "longitude") if levels is not None else ("valid_time", "latitude", "longitude")
        for name, (base, amp, units, long_name, short) in variables.items():
            # One chunk per field (time step, level) like the CDS, or the library's default chunking.
            shape = chunks or (((1, 1, len(lat), len(lon)) if levels is not None else (1, len(lat), len(lon))) if field_chunks else None)
            v = ds.createVariable(name, ">f4" if endian == "big" else "f4", dims, zlib=True, complevel=1, shuffle=True, chunksizes=shape,
                                  fill_value=np.float32(np.nan), fletcher32=fletcher32, endian=endian)
            grib_attrs(v, short, units, long_name)
            for t, m in enumerate(months):
                if levels is None:
                    v[t] = field(name, base, amp, t, lat, lon).astype(np.float32)
                else:
                    for li, level in enumerate(levels):
                        v[t, li] = field(name, base, amp, t, lat, lon, LEVELS.index(level)).astype(np.float32)


def zstd_hdf5(path, variables, lat, lon, months, levels, chunks):
    """The pressure file as h5py writes it with the HDF5 zstd plugin (filter 32015) and
    netCDF dimension scales: libnetcdf opens it but, without the plugin, cannot read the
    data; BioCube decodes the chunks itself."""
    import h5py
    import hdf5plugin
    with h5py.File(path, "w") as f:
        def scale(name, values, dtype, **attrs):
            d = f.create_dataset(name, data=np.asarray(values, dtype=dtype))
            for k, a in attrs.items():
                d.attrs[k] = a
            d.make_scale(name)
            return d
        vt = scale("valid_time", [int(month_start(m).timestamp()) for m in months], "i8",
                   units="seconds since 1970-01-01", calendar="proleptic_gregorian")
        pl = scale("pressure_level", levels, "f8", units="hPa")
        la = scale("latitude", lat, "f8", units="degrees_north")
        lo = scale("longitude", lon, "f8", units="degrees_east")
        for name, (base, amp, units, long_name, _) in variables.items():
            data = np.stack([np.stack([field(name, base, amp, t, lat, lon, LEVELS.index(level)) for level in levels])
                             for t in range(len(months))]).astype(np.float32)
            v = f.create_dataset(name, data=data, chunks=chunks, shuffle=True, fillvalue=np.float32(np.nan),
                                 **hdf5plugin.Zstd(clevel=3))
            v.attrs["units"] = units
            v.attrs["long_name"] = long_name
            for i, s in enumerate((vt, pl, la, lo)):
                v.dims[i].attach_scale(s)


def packing(base, amp):
    lo, hi = base - 2 * amp, base + 2 * amp
    scale = (hi - lo) / (2 ** 16 - 2)
    return scale, (hi + lo) / 2


def pack(values, scale, offset):
    return np.round((values - offset) / scale).astype(np.int16)


def legacy(path, variables, lat, lon, months, levels=None, expver_split=None, fmt="NETCDF3_CLASSIC", dtype="i2", unlimited=True):
    with netCDF4.Dataset(path, "w", format=fmt) as ds:
        ds.Conventions = "CF-1.6"
        ds.history = "legacy CDS layout fixture"
        ds.createDimension("longitude", len(lon))
        ds.createDimension("latitude", len(lat))
        if expver_split is not None:
            ds.createDimension("expver", 2)
        if levels is not None:
            ds.createDimension("level", len(levels))
        ds.createDimension("time", None if unlimited else len(months))
        lo = ds.createVariable("longitude", "f4", ("longitude",))
        lo[:] = lon
        lo.units = "degrees_east"
        la = ds.createVariable("latitude", "f4", ("latitude",))
        la[:] = lat
        la.units = "degrees_north"
        if expver_split is not None:
            ev = ds.createVariable("expver", "i4", ("expver",))
            ev[:] = [1, 5]
        if levels is not None:
            lv = ds.createVariable("level", "i4", ("level",))
            lv[:] = levels
            lv.units = "millibars"
        tm = ds.createVariable("time", "i4", ("time",))
        tm.units = "hours since 1900-01-01 00:00:00.0"
        tm.calendar = "gregorian"
        epoch = datetime(1900, 1, 1, tzinfo=timezone.utc)
        tm[:] = [int((month_start(m) - epoch).total_seconds() // 3600) for m in months]
        for name, (base, amp, units, long_name, short) in variables.items():
            dims = ["time"] + (["expver"] if expver_split is not None else []) + (["level"] if levels is not None else []) + ["latitude", "longitude"]
            scale, offset = packing(base, amp)
            if dtype == "i2":
                v = ds.createVariable(name, "i2", tuple(dims), fill_value=np.int16(-32767))
                v.scale_factor = scale
                v.add_offset = offset
                v.missing_value = np.int16(-32767)
            else:
                # Unpacked values (float or double), NaN-free with a numeric missing value.
                v = ds.createVariable(name, dtype, tuple(dims), fill_value=np.array(-9999, dtype))
                v.missing_value = np.array(-9999, dtype)
                pack_plain = lambda values, _s, _o: values.astype(dtype)
            v.units = units
            v.long_name = long_name
            v.set_auto_maskandscale(False)
            encode = pack if dtype == "i2" else pack_plain
            for t, m in enumerate(months):
                if levels is None:
                    packed = encode(field(name, base, amp, t, lat, lon), scale, offset)
                    if expver_split is None:
                        v[t] = packed
                    else:
                        # ERA5T: months before the split in expver 1, later months in expver 5.
                        missing = np.full_like(packed, -32767 if dtype == "i2" else -9999)
                        v[t, 0] = packed if t < expver_split else missing
                        v[t, 1] = missing if t < expver_split else packed
                else:
                    for li, level in enumerate(levels):
                        v[t, li] = encode(field(name, base, amp, t, lat, lon, LEVELS.index(level)), scale, offset)


def expected(out):
    os.makedirs(out, exist_ok=True)
    lat = axis(32.0, 72.0, 0.25)
    lon = axis(-25.0, 45.0, 0.25)
    for t, m in enumerate(MONTHS):
        for name, (base, amp, *_rest) in list(SINGLE.items()) + [TP]:
            field(name, base, amp, t, lat, lon).astype("<f4").tofile(os.path.join(out, f"{name}_{m}.f32"))
        for name, (base, amp, *_rest) in PRESSURE.items():
            planes = np.stack([field(name, base, amp, t, lat, lon, li) for li in range(len(LEVELS))])
            planes.astype("<f4").tofile(os.path.join(out, f"{name}_{m}.f32"))
    with open(os.path.join(out, "packing.txt"), "w") as f:
        for name, (base, amp, *_rest) in list(SINGLE.items()) + list(PRESSURE.items()) + [TP]:
            f.write(f"{name} {packing(base, amp)[0]!r}\n")


def bad(out, good_nc4):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "not_netcdf.nc"), "w") as f:
        f.write("this is not a NetCDF file\n")
    data = open(good_nc4, "rb").read()
    with open(os.path.join(out, "truncated.nc"), "wb") as f:
        f.write(data[: len(data) // 3])
    lat, lon = axis(72.0, 32.0, 0.25), axis(-25.0, 45.0, 0.25)

    def small(path, lat_name="latitude", lat_values=lat, time_units="seconds since 1970-01-01", extra=None):
        with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
            ds.createDimension("valid_time", 1)
            ds.createDimension(lat_name, len(lat_values))
            ds.createDimension("longitude", len(lon))
            vt = ds.createVariable("valid_time", "i8", ("valid_time",))
            vt[:] = [946684800]
            vt.units = time_units
            la = ds.createVariable(lat_name, "f8", (lat_name,))
            la[:] = lat_values
            lo = ds.createVariable("longitude", "f8", ("longitude",))
            lo[:] = lon
            v = ds.createVariable("t2m", "f4", ("valid_time", lat_name, "longitude"))
            v[0] = np.full((len(lat_values), len(lon)), 280, np.float32)
            if extra:
                extra(ds)

    small(os.path.join(out, "no_latitude.nc"), lat_name="y")
    small(os.path.join(out, "off_lattice.nc"), lat_values=np.round(axis(72.0, 32.1, 0.1), 6))
    small(os.path.join(out, "bad_time_units.nc"), time_units="fortnights since 2000-01-01")

    def station(ds):
        ds.createDimension("station", 3)
        s = ds.createVariable("station_t2m", "f4", ("valid_time", "station"))
        s[:] = [[1, 2, 3]]
    small(os.path.join(out, "no_latlon_variable.nc"), extra=station)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/era5"
    shutil.rmtree(out, ignore_errors=True)
    for d in ("new", "legacy", "bad", "expected", "zipparts"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    wide_lat, wide_lon = axis(75.0, 30.0, 0.25), axis(-30.0, 50.0, 0.25)
    new_cds(os.path.join(out, "new/era5_single.nc"), SINGLE, wide_lat, wide_lon, MONTHS)
    new_cds(os.path.join(out, "new/era5_pressure.nc"), PRESSURE, axis(72.0, 32.0, 0.25), axis(-25.0, 45.0, 0.25), MONTHS, LEVELS)
    # The same data with the library's default (multi-step) chunking: read through libnetcdf.
    new_cds(os.path.join(out, "new/era5_pressure_default_chunks.nc"), PRESSURE, axis(72.0, 32.0, 0.25), axis(-25.0, 45.0, 0.25),
            MONTHS, LEVELS, field_chunks=False)
    # Other filters and byte orders netCDF-4 files carry: Fletcher-32 checksums after
    # deflate (decoded directly), zstd from the HDF5 plugin (decoded directly, though this
    # libnetcdf has no zstd), big-endian floats (read through libnetcdf, and reported).
    p72 = (axis(72.0, 32.0, 0.25), axis(-25.0, 45.0, 0.25))
    new_cds(os.path.join(out, "new/era5_pressure_fletcher32.nc"), PRESSURE, *p72, MONTHS, LEVELS, chunks=(2, 3, 50, 60), fletcher32=True)
    zstd_hdf5(os.path.join(out, "new/era5_pressure_zstd.nc"), PRESSURE, *p72, MONTHS, LEVELS, chunks=(2, 4, 81, 141))
    new_cds(os.path.join(out, "new/era5_pressure_big_endian.nc"), PRESSURE, *p72, MONTHS, LEVELS, chunks=(3, 13, 81, 141), endian="big")
    legacy(os.path.join(out, "legacy/era5_single.nc"), SINGLE, axis(90.0, -90.0, 0.25), axis(0.0, 359.75, 0.25), MONTHS, expver_split=2)
    legacy(os.path.join(out, "legacy/era5_pressure.nc"), PRESSURE, wide_lat, wide_lon, MONTHS, levels=sorted(LEVELS))
    # The other netCDF-3 variants, whose fields are read with pread from offsets in the
    # header: 64-bit offsets (CDF-2), 64-bit data (CDF-5) with doubles, floats in fixed-size
    # (non-record) variables; and a legacy file cut short, which must be refused.
    legacy(os.path.join(out, "legacy/era5_single_64bit_offset.nc"), SINGLE, axis(90.0, -90.0, 0.25), axis(0.0, 359.75, 0.25),
           MONTHS, expver_split=1, fmt="NETCDF3_64BIT_OFFSET")
    legacy(os.path.join(out, "legacy/era5_pressure_cdf5_double.nc"), PRESSURE, wide_lat, wide_lon, MONTHS, levels=sorted(LEVELS),
           fmt="NETCDF3_64BIT_DATA", dtype="f8")
    legacy(os.path.join(out, "legacy/era5_single_fixed_float.nc"), SINGLE, wide_lat, wide_lon, MONTHS, dtype="f4", unlimited=False)
    data = open(os.path.join(out, "legacy/era5_pressure.nc"), "rb").read()
    with open(os.path.join(out, "bad/truncated_legacy.nc"), "wb") as f:
        f.write(data[: len(data) * 2 // 3])
    # Four 6-hourly slices of one day: a monthly reader takes the first and reports the rest.
    day = int(month_start("2000-01").timestamp())
    new_cds(os.path.join(out, "new/era5_6hourly.nc"), {"t2m": SINGLE["t2m"]}, wide_lat, wide_lon, ["2000-01"] * 4,
            stamps=[day + h * 3600 for h in (0, 6, 12, 18)])
    # Surface geopotential shares the short name z with geopotential on pressure levels.
    new_cds(os.path.join(out, "new/era5_surface_z.nc"), {"z": (9000.0, 8000.0, "m**2 s**-2", "Geopotential", "z")},
            wide_lat, wide_lon, MONTHS)
    # A CDS multi-stream download: instantaneous means and accumulations in two members.
    instant = {k: SINGLE[k] for k in ("t2m", "msl")}
    new_cds(os.path.join(out, "zipparts/data_stream-moda_stepType-avgua.nc"), instant, wide_lat, wide_lon, MONTHS)
    new_cds(os.path.join(out, "zipparts/data_stream-moda_stepType-avgad.nc"), dict([TP]), wide_lat, wide_lon, MONTHS)
    with zipfile.ZipFile(os.path.join(out, "cds_download.zip"), "w", compression=zipfile.ZIP_DEFLATED) as z:
        for member in sorted(os.listdir(os.path.join(out, "zipparts"))):
            z.write(os.path.join(out, "zipparts", member), member)
    shutil.rmtree(os.path.join(out, "zipparts"))
    bad(os.path.join(out, "bad"), os.path.join(out, "new/era5_single.nc"))
    expected(os.path.join(out, "expected"))
    print(f"wrote ERA5 fixtures to {out}")


if __name__ == "__main__":
    main()
