"""Writes Parquet files with pyarrow covering the reader's matrix — codecs, dictionary or
plain encoding, data page v1 and v2, required and nullable columns, several row groups,
an empty file — plus each file's values as JSON, and damaged files.

    python scripts/make_parquet_fixtures.py OUTDIR
"""
import base64
import itertools
import json
import os
import shutil
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def table(n, nulls, seed):
    rng = np.random.default_rng(seed)
    def mask():
        return rng.random(n) < 0.2 if nulls else np.zeros(n, bool)
    species = rng.choice(["1340361", "5231190", "2480528", "9809229"], size=n)
    columns = {
        "Species": pa.array(species, pa.string(), mask=mask()),
        "Key": pa.array(rng.integers(-2**40, 2**40, n), pa.int64(), mask=mask()),
        "Latitude": pa.array(np.round(rng.uniform(32, 72, n) * 4) / 4, pa.float64(), mask=mask()),
        "Count": pa.array(rng.integers(-1000, 1000, n).astype(np.int32), pa.int32(), mask=mask()),
        "Weight": pa.array(rng.standard_normal(n).astype(np.float32), pa.float32(), mask=mask()),
        "Flag": pa.array(rng.random(n) < 0.5, pa.bool_(), mask=mask()),
        "Timestamp": pa.array((rng.integers(0, 240, n) * 30 * 86400 + 946684800).astype("datetime64[s]").astype("datetime64[ns]"),
                              pa.timestamp("ns"), mask=mask()),
    }
    return pa.table(columns)


def to_json(t):
    out = {}
    for name in t.column_names:
        col = t.column(name)
        vals = col.to_pylist()
        if pa.types.is_timestamp(col.type):
            vals = [None if v is None else int(np.datetime64(v, "ns").astype(np.int64)) for v in col.to_numpy(zero_copy_only=False).tolist()]
            vals = [None if m else v for v, m in zip(col.cast(pa.int64()).to_pylist(), col.is_null().to_pylist())]
        elif pa.types.is_floating(col.type):
            vals = [None if v is None else float(np.float32(v)) if pa.types.is_float32(col.type) else v for v in vals]
        out[name] = vals
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/parquet"
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cases = []
    for codec, dictionary, version, nulls in itertools.product(["none", "snappy", "gzip", "zstd", "lz4"], [True, False], ["1.0", "2.0"], [False, True]):
        name = f"{codec}_{'dict' if dictionary else 'plain'}_v{version[0]}_{'nulls' if nulls else 'required'}"
        t = table(3000, nulls, seed=len(cases))
        pq.write_table(t, os.path.join(out, name + ".parquet"), compression=codec, use_dictionary=dictionary,
                       data_page_version=version, row_group_size=1000, data_page_size=4096)
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(to_json(t), f)
        cases.append(name)
    # The other encodings pyarrow writes on request, and legacy INT96 timestamps.
    delta = {"Key": "DELTA_BINARY_PACKED", "Count": "DELTA_BINARY_PACKED", "Timestamp": "DELTA_BINARY_PACKED",
             "Species": "DELTA_BYTE_ARRAY", "Weight": "BYTE_STREAM_SPLIT", "Latitude": "BYTE_STREAM_SPLIT"}
    for codec, version, nulls in itertools.product(["none", "zstd"], ["1.0", "2.0"], [False, True]):
        for label, encoding in [("delta", delta), ("deltalength", {**delta, "Species": "DELTA_LENGTH_BYTE_ARRAY"})]:
            name = f"{label}_{codec}_v{version[0]}_{'nulls' if nulls else 'required'}"
            t = table(2500, nulls, seed=len(cases))
            pq.write_table(t, os.path.join(out, name + ".parquet"), compression=codec, use_dictionary=False,
                           column_encoding=encoding, data_page_version=version, row_group_size=1000, data_page_size=4096)
            json.dump(to_json(t), open(os.path.join(out, name + ".json"), "w"))
            cases.append(name)
    t = table(700, True, seed=77)
    pq.write_table(t, os.path.join(out, "int96.parquet"), use_deprecated_int96_timestamps=True)
    json.dump(to_json(t), open(os.path.join(out, "int96.json"), "w"))
    cases.append("int96")
    # pyarrow defaults (snappy, dictionary, v1 pages), one row group; and an empty table.
    t = table(500, True, seed=99)
    pq.write_table(t, os.path.join(out, "defaults.parquet"))
    json.dump(to_json(t), open(os.path.join(out, "defaults.json"), "w"))
    pq.write_table(table(0, False, seed=1), os.path.join(out, "empty.parquet"))
    json.dump(to_json(table(0, False, seed=1)), open(os.path.join(out, "empty.json"), "w"))
    cases += ["defaults", "empty"]
    # Page CRCs, as pyarrow writes them on request (v1 and v2 pages).
    for codec, version in itertools.product(["snappy", "zstd"], ["1.0", "2.0"]):
        name = f"checksum_{codec}_v{version[0]}"
        t = table(1500, True, seed=len(cases))
        pq.write_table(t, os.path.join(out, name + ".parquet"), compression=codec, data_page_version=version,
                       write_page_checksum=True, row_group_size=1000, data_page_size=4096)
        json.dump(to_json(t), open(os.path.join(out, name + ".json"), "w"))
        cases.append(name)
    # Nested columns beside flat ones: the flat ones must stay readable.
    n = 300
    flat = table(n, True, seed=123)
    nested = flat.select(["Key", "Weight"]).append_column(
        "tags", pa.array([[f"t{i}", f"u{i % 7}"][: i % 3] for i in range(n)], pa.list_(pa.string()))
    ).append_column(
        "point", pa.array([{"x": i * 0.5, "y": -i * 0.25} for i in range(n)],
                          pa.struct([("x", pa.float64()), ("y", pa.float64())])))
    pq.write_table(nested, os.path.join(out, "nested.parquet"))
    json.dump(to_json(flat.select(["Key", "Weight"])), open(os.path.join(out, "nested.json"), "w"))
    # Damaged files.
    bad = os.path.join(out, "bad")
    os.makedirs(bad)
    good = open(os.path.join(out, "snappy_dict_v1_nulls.parquet"), "rb").read()
    open(os.path.join(bad, "wrong_magic.parquet"), "wb").write(b"XXXX" + good[4:])
    open(os.path.join(bad, "truncated.parquet"), "wb").write(good[: len(good) - 100])
    footer_len = int.from_bytes(good[-8:-4], "little")
    corrupt = bytearray(good)
    for i in range(len(good) - 8 - footer_len, len(good) - 8, 3):
        corrupt[i] ^= 0xA5
    open(os.path.join(bad, "corrupt_footer.parquet"), "wb").write(bytes(corrupt))
    pages = bytearray(good)
    for i in range(4, 400):
        pages[i] ^= 0x5A
    open(os.path.join(bad, "corrupt_pages.parquet"), "wb").write(bytes(pages))
    open(os.path.join(bad, "tiny.parquet"), "wb").write(b"PAR1")
    # One bit flipped inside the first page's data of a file with page CRCs: pyarrow with
    # verification refuses it, without verification it reads wrong values.
    good = open(os.path.join(out, "checksum_zstd_v1.parquet"), "rb").read()
    flipped = bytearray(good)
    flipped[300] ^= 0x01
    path = os.path.join(bad, "checksum_flipped.parquet")
    open(path, "wb").write(bytes(flipped))
    try:
        pq.read_table(path, page_checksum_verification=True)
        raise SystemExit("pyarrow read checksum_flipped.parquet: the flipped byte is not inside a checksummed page")
    except OSError:
        pass
    json.dump(cases, open(os.path.join(out, "cases.json"), "w"))
    open(os.path.join(out, ".complete"), "w").close()
    print(f"wrote {len(cases)} Parquet fixtures to {out}")


if __name__ == "__main__":
    main()
