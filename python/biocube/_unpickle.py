"""Rebuilds an item from the pickle the native library returns and the buffers it filled.

The pickle is byte for byte the `archive/data.pkl` that `biocube batches` writes into a
`.pt` file; the unpickler admits only the globals such a file uses, and its persistent ids
name the buffers. With torch's own `_rebuild_tensor_v2`, the result is what `torch.load`
returns for the file; with the numpy builder, the same dict holding numpy arrays.
"""
from __future__ import annotations

import collections
import io
import pickle

import numpy as np

_STORAGE_DTYPES = {"FloatStorage": np.float32, "HalfStorage": np.float16, "DoubleStorage": np.float64}


class _StorageClass(str):
    """Stands for `torch.FloatStorage` & co. in a persistent id."""


class _ItemUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, buffers, rebuild, storage):
        super().__init__(io.BytesIO(data))
        self._buffers = buffers
        self._rebuild = rebuild
        self._storage = storage

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self._rebuild
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageClass(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"biocube: unexpected global {module}.{name} in an item")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"biocube: unexpected persistent id {pid!r}")
        _, kind, key, _location, numel = pid
        buffer = self._buffers[int(key)]
        if buffer.dtype != _STORAGE_DTYPES[kind] or buffer.size != numel:
            raise pickle.UnpicklingError(f"biocube: storage {key} is not {numel} × {kind}")
        return self._storage(buffer)


def _numpy_rebuild(buffer, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    itemsize = buffer.itemsize
    return np.lib.stride_tricks.as_strided(
        buffer[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride), writeable=True)


def numpy_item(data: bytes, buffers) -> dict:
    """The item as a dict of numpy arrays (views of `buffers`)."""
    return _ItemUnpickler(data, buffers, _numpy_rebuild, lambda b: b).load()


def torch_item(data: bytes, buffers) -> dict:
    """The item as `torch.load` returns it: tensors sharing memory with `buffers`."""
    import torch
    from torch._utils import _rebuild_tensor_v2

    def storage(buffer):
        untyped = torch.from_numpy(buffer).untyped_storage()
        return torch.storage.TypedStorage(wrap_storage=untyped, dtype=torch.from_numpy(buffer[:0]).dtype, _internal=True)

    return _ItemUnpickler(data, buffers, _rebuild_tensor_v2, storage).load()
