"""The value formulas of `biocube-testdata store-pattern` (Tests/Tools/biocube-testdata/StorePattern.swift)."""
import numpy as np


def base(n):
    i = np.arange(n, dtype=np.int64)
    return (i * 7919) % 10007


def expected(dtype: str, shape):
    n = int(np.prod(shape))
    b = base(n)
    i = np.arange(n)
    if dtype in ("float32", "float64"):
        v = b.astype(np.float64) * 0.125 - 600
        v[i % 97 == 13] = np.nan
        out = v.astype(dtype)
    elif dtype == "int8":
        out = (b % 251 - 125).astype(np.int8)
    elif dtype == "int16":
        out = (b * 3 - 15000).astype(np.int16)
    elif dtype == "int32":
        out = (b * 200_003 - 1_000_000_000).astype(np.int32)
    elif dtype == "int64":
        out = b * 1_000_000_007 - (1 << 40)
    elif dtype == "uint8":
        out = (b % 256).astype(np.uint8)
    elif dtype == "uint16":
        out = (b * 6).astype(np.uint16)
    elif dtype == "uint32":
        out = (b * 400_000).astype(np.uint32)
    elif dtype == "uint64":
        out = b.astype(np.uint64) * np.uint64(1_800_000_000_000_000)
    elif dtype == "bool":
        out = b % 3 == 0
    else:
        raise ValueError(dtype)
    return out.reshape(shape)


def shard_values(steps, height, width):
    """Values of `biocube-testdata store-pattern-shard`: step t, row r, column c."""
    t, r, c = np.meshgrid(np.arange(steps), np.arange(height), np.arange(width), indexing="ij")
    return ((t * 1009 + r * 31 + c) % 65536).astype(np.float32) * np.float32(0.5)
