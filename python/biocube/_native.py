"""ctypes binding of libBioCubeC (Sources/BioCubeC/biocube.h): open, describe, read, close."""
from __future__ import annotations

import ctypes
import json
import os
import pathlib
import threading

import numpy as np

from .errors import error_for

_DTYPES = {"float32": np.float32, "float16": np.float16, "float64": np.float64}


def _library_path() -> str:
    """The native library: $BIOCUBE_LIBRARY, else the copy shipped in the package."""
    given = os.environ.get("BIOCUBE_LIBRARY")
    if given:
        return given
    here = pathlib.Path(__file__).parent / "_lib" / "libBioCubeC.so"
    if not here.exists():
        raise ImportError(
            f"biocube: the native library is missing ({here}); install the package with pip "
            "(it builds libBioCubeC with the Swift toolchain) or set BIOCUBE_LIBRARY")
    return str(here)


_lock = threading.Lock()
_lib = None


def library() -> ctypes.CDLL:
    """The loaded library, with argument types declared (loaded once per process)."""
    global _lib
    with _lock:
        if _lib is None:
            lib = ctypes.CDLL(_library_path())
            c_char_pp = ctypes.POINTER(ctypes.c_char_p)
            lib.biocube_version.restype = ctypes.c_char_p
            lib.biocube_version.argtypes = []
            lib.biocube_free.restype = None
            lib.biocube_free.argtypes = [ctypes.c_void_p]
            lib.biocube_open.restype = ctypes.c_int32
            lib.biocube_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
            lib.biocube_close.restype = None
            lib.biocube_close.argtypes = [ctypes.c_void_p]
            lib.biocube_describe.restype = ctypes.c_int32
            lib.biocube_describe.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_void_p)]
            lib.biocube_read.restype = ctypes.c_int32
            lib.biocube_read.argtypes = [
                ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_int64), ctypes.c_int64,
                ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_void_p),
            ]
            del c_char_pp
            _lib = lib
    return _lib


def _take_string(lib, pointer: ctypes.c_void_p) -> str:
    """The library's malloc'd string, released."""
    try:
        return ctypes.string_at(pointer.value).decode("utf-8", "replace")
    finally:
        lib.biocube_free(pointer)


def _check(lib, status: int, error: ctypes.c_void_p) -> None:
    if status != 0:
        message = _take_string(lib, error) if error.value else f"biocube error {status}"
        raise error_for(status, message)


def version() -> str:
    """The native library's version."""
    return library().biocube_version().decode()


class NativeDataset:
    """One open dataset of the native library (a `biocube_dataset *`).

    Owned by one process: after a fork, open a new one (``CubeDataset`` does this itself).
    """

    def __init__(self, options: dict):
        self._lib = library()
        handle = ctypes.c_void_p()
        error = ctypes.c_void_p()
        text = json.dumps({k: v for k, v in options.items() if v is not None}).encode()
        _check(self._lib, self._lib.biocube_open(text, ctypes.byref(handle), ctypes.byref(error)), error)
        self._handle = handle
        self.pid = os.getpid()
        out = ctypes.c_void_p()
        _check(self._lib, self._lib.biocube_describe(handle, ctypes.byref(out), ctypes.byref(error)), error)
        self.description = json.loads(_take_string(self._lib, out))
        self._storages = [(_DTYPES[s["dtype"]], s["bytes"]) for s in self.description["storages"]]
        self._sizes = (ctypes.c_int64 * len(self._storages))(*[n for _, n in self._storages])

    def read(self, item: int, row: int = 0, column: int = 0) -> tuple[bytes, list[np.ndarray]]:
        """Item `item`: its pickle and one new numpy buffer per storage, filled by the library."""
        if self._handle is None:
            raise ValueError("the dataset is closed")
        arrays = [np.empty(n // np.dtype(d).itemsize, dtype=d) for d, n in self._storages]
        pointers = (ctypes.c_void_p * len(arrays))(*[a.ctypes.data for a in arrays])
        pickle = ctypes.c_void_p()
        size = ctypes.c_int64()
        error = ctypes.c_void_p()
        status = self._lib.biocube_read(
            self._handle, item, row, column, pointers, self._sizes, len(arrays),
            ctypes.byref(pickle), ctypes.byref(size), ctypes.byref(error))
        _check(self._lib, status, error)
        try:
            data = ctypes.string_at(pickle.value, size.value)
        finally:
            self._lib.biocube_free(pickle)
        return data, arrays

    def close(self) -> None:
        if self._handle is not None and self.pid == os.getpid():
            self._lib.biocube_close(self._handle)
        self._handle = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
