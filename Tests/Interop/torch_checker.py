"""Loads a bfm-model batch file (.pt) the way `torch.load(path, weights_only=True)` does,
without needing torch, and checks the archive against PyTorch's layout:

- a zip archive with every entry stored (no compression) under one top folder;
- `data.pkl`, `byteorder` = little, `version` (or `.data/version`), `data/<key>` records,
  the tensor data 64-byte aligned;
- `data.pkl` is pickle protocol 2 using only opcodes and globals the weights-only
  unpickler accepts;
- tensors rebuilt from (storage, offset, size, stride) exactly as `_rebuild_tensor_v2`.

`load_pt` returns the dict with numpy arrays (float32, float16 or float64, as the storage)
in place of tensors. When the real
`torch` package is importable, `torch_load` returns `torch.load(..., weights_only=True)`.
"""
import pickle
import pickletools
import struct
import zipfile
from collections import OrderedDict

import numpy as np

ALLOWED_OPCODES = {
    "PROTO", "EMPTY_DICT", "EMPTY_LIST", "EMPTY_TUPLE", "MARK", "SETITEM", "SETITEMS", "APPEND", "APPENDS",
    "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "BININT", "BININT1", "BININT2", "LONG1", "BINFLOAT", "BINUNICODE",
    "NONE", "NEWTRUE", "NEWFALSE", "GLOBAL", "REDUCE", "BUILD", "BINPERSID", "BINPUT", "LONG_BINPUT",
    "BINGET", "LONG_BINGET", "STOP",
}
DTYPES = {"FloatStorage": np.dtype("<f4"), "HalfStorage": np.dtype("<f2"), "DoubleStorage": np.dtype("<f8")}
ALLOWED_GLOBALS = {"torch._utils _rebuild_tensor_v2", "collections OrderedDict"} | {f"torch {k}" for k in DTYPES}


class ContractError(AssertionError):
    pass


def _check_archive(z: zipfile.ZipFile):
    infos = z.infolist()
    if not infos:
        raise ContractError("empty archive")
    prefixes = {i.filename.split("/", 1)[0] for i in infos}
    if len(prefixes) != 1 or any("/" not in i.filename for i in infos):
        raise ContractError(f"entries must share one top folder, got {sorted(prefixes)}")
    prefix = prefixes.pop()
    names = {i.filename[len(prefix) + 1:]: i for i in infos}
    if infos[0].filename != f"{prefix}/data.pkl":
        raise ContractError("data.pkl must be the first record")
    for i in infos:
        if i.compress_type != zipfile.ZIP_STORED:
            raise ContractError(f"{i.filename} is compressed; torch.save stores entries")
    if z.read(f"{prefix}/byteorder") != b"little":
        raise ContractError("byteorder record must be 'little'")
    version = names.get("version") or names.get(".data/version")
    if version is None or int(z.read(version.filename).strip()) < 1:
        raise ContractError("no version record")
    return prefix, names


def _data_offset(path, info):
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        header = f.read(30)
        sig, = struct.unpack("<I", header[:4])
        if sig != 0x04034B50:
            raise ContractError(f"bad local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + 30 + name_len + extra_len


def load_pt(path):
    """Returns the saved object with tensors as numpy arrays; raises ContractError."""
    with zipfile.ZipFile(path) as z:
        if z.testzip() is not None:
            raise ContractError("CRC mismatch")
        prefix, names = _check_archive(z)
        data = z.read(f"{prefix}/data.pkl")
        # Opcode and global allow-list, as torch's weights-only unpickler enforces.
        proto = None
        for op, arg, _ in pickletools.genops(data):
            if op.name not in ALLOWED_OPCODES:
                raise ContractError(f"opcode {op.name} is not accepted by weights_only loading")
            if op.name == "PROTO":
                proto = arg
            if op.name == "GLOBAL" and arg not in ALLOWED_GLOBALS:
                raise ContractError(f"global {arg!r} is not accepted by weights_only loading")
        if proto != 2:
            raise ContractError(f"pickle protocol {proto}, torch.save writes 2")
        storages = {}

        def persistent_load(pid):
            if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
                raise ContractError(f"bad persistent id {pid!r}")
            _, kind, key, location, numel = pid
            if location != "cpu":
                raise ContractError(f"storage location {location!r}")
            info = names.get(f"data/{key}")
            if info is None:
                raise ContractError(f"storage {key} has no data/{key} record")
            if _data_offset(path, info) % 64 != 0:
                raise ContractError(f"data/{key} is not 64-byte aligned")
            dtype = DTYPES[kind]
            raw = z.read(info.filename)
            if len(raw) != numel * np.dtype(dtype).itemsize:
                raise ContractError(f"data/{key}: {len(raw)} bytes for {numel} elements")
            arr = np.frombuffer(raw, dtype=dtype)
            storages[key] = arr
            return arr

        def rebuild(storage, offset, size, stride, requires_grad, hooks):
            if requires_grad or hooks:
                raise ContractError("unexpected requires_grad or backward hooks")
            item = storage.itemsize
            view = np.lib.stride_tricks.as_strided(storage[offset:], shape=tuple(size), strides=tuple(s * item for s in stride))
            return np.array(view, dtype=storage.dtype.newbyteorder("="))

        class Unpickler(pickle.Unpickler):
            def find_class(self, module, name):
                key = f"{module} {name}"
                if key == "torch._utils _rebuild_tensor_v2":
                    return rebuild
                if key == "collections OrderedDict":
                    return OrderedDict
                if module == "torch" and name in DTYPES:
                    return name
                raise ContractError(f"global {key}")

            def persistent_load(self, pid):
                return persistent_load(pid)

        import io
        return Unpickler(io.BytesIO(data)).load()


def torch_load(path):
    """`torch.load(path, weights_only=True)` when torch is installed, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch.load(path, weights_only=True)
