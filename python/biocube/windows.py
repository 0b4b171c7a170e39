"""The windows of a BioCube store, read by the Swift engine (libBioCubeC)."""
from __future__ import annotations

import datetime as _dt
import os
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from ._native import NativeDataset
from ._unpickle import numpy_item, torch_item
from .errors import InvalidArgumentError

Region = Union[str, Sequence[float]]


def _join(value, what: str) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ",".join(str(v) for v in value)
    raise InvalidArgumentError(1, f"{what} must be a string or a list, not {type(value).__name__}")


def _instant(value) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.strftime("%Y-%m-%d")
    raise InvalidArgumentError(1, f"start/end must be a string, date or datetime, not {type(value).__name__}")


class CubeWindows:
    """The windows of a store as `biocube batches` cuts them, read on demand.

    Item *i* (``windows[i]``) is the dict `torch.load` returns for the file `biocube batches`
    writes for window *i* with the same options; :meth:`numpy` gives the same dict holding
    numpy arrays. Options follow `biocube batches`:

    * ``contract``: ``"monthly"`` (bfm-model, ``--format pt``) or ``"daily"`` (``pt-daily``).
    * ``variables`` (``"+GROUP:NAME,-GROUP:NAME"`` or a list), ``species`` (keys or
      ``"top:N"``), ``levels`` (hPa, in order), ``region`` (``"N,W,S,E"``, a 4-tuple in that
      order, ``"S=…,N=…,W=…,E=…"`` or ``"europe"``), ``start``/``end`` (``"2000-01"``, dates).
    * ``missing``: ``"zero"`` (monthly default) or ``"nan"``; ``normalise``: a statistics
      JSON file, applied after the missing-value policy (``normalise_mode``: ``"standardise"``
      or ``"minMax"``).
    * ``skip_incomplete``: leave out windows with an empty step in any selected variable.
    * ``chip=(h, w)``, ``chips_per_window``, ``seed``: random crops, deterministic per
      (seed, epoch, index); :meth:`set_epoch` changes the epoch.
    * ``threads``: threads one read decodes on (default: 1 in a DataLoader worker or under
      ``BIOCUBE_THREADS``, else up to 4).
    """

    def __init__(self, store, contract: str = "monthly", *, variables=None, species=None, levels=None,
                 region: Optional[Region] = None, start=None, end=None, missing: Optional[str] = None,
                 normalise=None, normalise_mode: str = "standardise", skip_incomplete: bool = False,
                 chip: Optional[Sequence[int]] = None, chips_per_window: int = 1, seed: int = 0,
                 threads: Optional[int] = None, labels=None):
        if isinstance(species, int) and not isinstance(species, bool):
            species = f"top:{species}"
        if region is not None and not isinstance(region, str):
            region = _join(region, "region")
        if chip is not None:
            chip = [int(chip[0]), int(chip[1])]
        if chips_per_window < 1:
            raise InvalidArgumentError(1, "chips_per_window must be at least 1")
        if chip is None and chips_per_window != 1:
            raise InvalidArgumentError(1, "chips_per_window needs chip=(height, width)")
        self.options = {
            "store": os.fspath(store), "contract": contract, "variables": _join(variables, "variables"),
            "species": _join(species, "species"), "levels": _join(levels, "levels"), "region": region,
            "start": _instant(start), "end": _instant(end), "missing": missing,
            "normalise": os.fspath(normalise) if normalise is not None else None,
            "normalise_mode": normalise_mode, "skip_incomplete": bool(skip_incomplete), "chip": chip,
            "labels": os.fspath(labels) if labels is not None else None,
        }
        self.threads = threads
        self.chips_per_window = chips_per_window
        self.seed = seed
        self.epoch = 0
        self._native: Optional[NativeDataset] = None
        self.description = self._open().description

    # -- the native handle, one per process ------------------------------------------------
    def _default_threads(self) -> int:
        if self.threads is not None:
            return int(self.threads)
        if os.environ.get("BIOCUBE_THREADS"):
            return int(os.environ["BIOCUBE_THREADS"])
        return max(1, min(4, os.cpu_count() or 1))

    def _open(self) -> NativeDataset:
        native = self._native
        if native is None or native.pid != os.getpid():
            native = NativeDataset({**self.options, "threads": self._default_threads()})
            self._native = native
        return native

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_native"] = None
        return state

    # -- the dataset -------------------------------------------------------------------------
    @property
    def windows(self) -> list:
        """The store's window indices the items use (all, unless ``skip_incomplete``)."""
        return self.description["windows"]

    @property
    def timestamps(self) -> list:
        """The two timestamps of each window, as the store's time axis gives them."""
        return self.description["timestamps"]

    def set_epoch(self, epoch: int) -> None:
        """Chooses the chips of epoch `epoch` (call before each epoch, as with DistributedSampler)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.windows) * self.chips_per_window

    def chip_origin(self, index: int) -> tuple:
        """The (row, column) of item `index`'s chip in the window's grid ((0, 0) without chips)."""
        chip = self.options["chip"]
        if chip is None:
            return (0, 0)
        grid = self.description["grid"]
        rng = np.random.default_rng([int(self.seed), int(self.epoch), int(index)])
        row = int(rng.integers(0, grid["height"] - chip[0] + 1))
        column = int(rng.integers(0, grid["width"] - chip[1] + 1))
        return (row, column)

    def _read(self, index: int):
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"item index must be an integer, not {type(index).__name__}")
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"item {index} is outside 0..{n - 1} of {self.options['store']}")
        row, column = self.chip_origin(int(index))
        return self._open().read(int(index) // self.chips_per_window, row, column)

    def numpy(self, index: int) -> dict:
        """Item `index` as a dict of numpy arrays (the layout of the exported file)."""
        return numpy_item(*self._read(index))

    def __getitem__(self, index: int) -> dict:
        """Item `index` exactly as `torch.load(file, weights_only=True)` returns the exported file."""
        return torch_item(*self._read(index))

    def close(self) -> None:
        if self._native is not None:
            self._native.close()
            self._native = None
