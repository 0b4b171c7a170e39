"""Writes new-CDS-style ERA5 files covering the BioCube area for `make bench`:
24 monthly steps of 23 single-level variables (in three files, as in the published tree)
and of z, t, u, v, q on 13 pressure levels. Float32 with NaN fill, zlib level 1 + shuffle,
one chunk per field, latitude descending — as the CDS delivers them."""
import os
import sys
from datetime import datetime, timezone

import netCDF4
import numpy as np

STEPS = 24
LEVELS = [1000, 925, 850, 700, 600, 500, 400, 300, 250, 200, 150, 100, 50]
FILES = {
    "era5_single.nc": ["slt", "z", "msl", "u10", "v10", "t2m", "lsm"],
    "era5-edaphic-0.nc": ["swvl1", "swvl2", "stl1", "stl2"],
    "era5-climate-energy-moisture-0.nc": ["smlt", "tp", "csfr", "avg_sdswrf", "avg_snswrf", "avg_snlwrf", "avg_tprate",
                                          "avg_sdswrfcs", "sd", "d2m", "avg_slhtf", "avg_pevr"],
}
PRESSURE = ["z", "t", "u", "v", "q"]


def write(path, names, levels=None):
    lat = 72.0 - 0.25 * np.arange(161)
    lon = -25.0 + 0.25 * np.arange(281)
    rng = np.random.default_rng(len(path))
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("valid_time", STEPS)
        if levels:
            ds.createDimension("pressure_level", len(levels))
        ds.createDimension("latitude", 161)
        ds.createDimension("longitude", 281)
        vt = ds.createVariable("valid_time", "i8", ("valid_time",))
        vt.units, vt.calendar = "seconds since 1970-01-01", "proleptic_gregorian"
        vt[:] = [int(datetime(2000 + m // 12, m % 12 + 1, 1, tzinfo=timezone.utc).timestamp()) for m in range(STEPS)]
        if levels:
            pl = ds.createVariable("pressure_level", "f8", ("pressure_level",))
            pl[:] = levels
            pl.units = "hPa"
        la = ds.createVariable("latitude", "f8", ("latitude",))
        la[:] = lat
        la.units = "degrees_north"
        lo = ds.createVariable("longitude", "f8", ("longitude",))
        lo[:] = lon
        lo.units = "degrees_east"
        ex = ds.createVariable("expver", str, ("valid_time",))
        for i in range(STEPS):
            ex[i] = "0001"
        dims = ("valid_time", "pressure_level", "latitude", "longitude") if levels else ("valid_time", "latitude", "longitude")
        chunks = (1, 1, 161, 281) if levels else (1, 161, 281)
        base = np.cos(np.radians(lat))[:, None] * np.sin(np.radians(lon) * 3)[None, :]
        for k, name in enumerate(names):
            v = ds.createVariable(name, "f4", dims, zlib=True, complevel=1, shuffle=True, chunksizes=chunks,
                                  fill_value=np.float32(np.nan))
            v.units = "1"
            v.long_name = name
            for t in range(STEPS):
                if levels:
                    field = base[None] * (1 + np.arange(len(levels)))[:, None, None] + rng.standard_normal((len(levels), 161, 281)) * 0.1
                else:
                    field = base * (k + 1) + np.sin(t) + rng.standard_normal((161, 281)) * 0.1
                v[t] = field.astype(np.float32)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, variables in FILES.items():
        write(os.path.join(out, name), variables)
    write(os.path.join(out, "era5_pressure.nc"), PRESSURE, LEVELS)


if __name__ == "__main__":
    main()
