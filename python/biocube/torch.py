"""PyTorch datasets over BioCube: the cube's windows and the species media dataset.

``CubeDataset`` reads windows straight from a store with the Swift engine: item *i* is
exactly what ``torch.load(file, weights_only=True)`` returns for the file ``biocube batches``
writes for window *i* with the same options — no batch file is written. It works with
``DataLoader(ds, batch_size=None, shuffle=True, num_workers=k)`` and ``DistributedSampler``;
each worker process opens its own native handle.
"""
from __future__ import annotations

import os
from typing import Optional, Sequence

import numpy as np
import torch
import torch.utils.data

from .errors import InvalidArgumentError
from .windows import CubeWindows

__all__ = ["CubeDataset", "SpeciesMediaDataset"]


class CubeDataset(CubeWindows, torch.utils.data.Dataset):
    """A store's windows as a map-style PyTorch dataset (options as :class:`biocube.CubeWindows`).

    ``ds[i]`` is the dict of the exported ``.pt`` file for the window (``batch_metadata``
    then the groups); with ``chip=(h, w)`` it is cut to a random chip of that size
    (metadata latitudes/longitudes cut with it), ``chips_per_window`` chips per window,
    deterministic per (``seed``, epoch, index) — call :meth:`set_epoch` before each epoch.
    """

    def _default_threads(self) -> int:
        if self.threads is None and torch.utils.data.get_worker_info() is not None:
            return 1  # the DataLoader's workers already use the cores
        return super()._default_threads()


class SpeciesMediaDataset(torch.utils.data.Dataset):
    """The rows of a species media dataset (``biocube species-dataset``) of one modality.

    ``modality``: ``"image"`` (``(3, S, S)`` photos), ``"sound"`` (log-mel bands),
    ``"edna"`` (k-mer frequencies) or ``"text"`` (TF-IDF vectors); None keeps every row
    (then tensors differ in shape between modalities). Item *i* is a dict:
    ``tensor`` (float32, the stored shape), ``label`` (the species' id in
    ``label_mappings.json``), ``labels`` (``species``, ``phylum``, ``class``, ``order``,
    ``family``, ``genus`` ids as int64 tensors), ``species`` (name), ``record_id``,
    ``feature`` (what the tensor holds). ``transform`` is applied to the tensor.
    """

    LABELS = ["species", "phylum", "class", "order", "family", "genus"]

    def __init__(self, path, modality: Optional[str] = None, transform=None):
        try:
            import pyarrow.parquet as pq
        except ImportError as e:  # pragma: no cover - an optional dependency
            raise ImportError("SpeciesMediaDataset needs pyarrow: pip install 'biocube[media]'") from e
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no species media dataset here (biocube species-dataset writes one)")
        columns = ["record_id", "modality", "species", "feature", "shape", "tensor"] + [
            f"{rank}_label" for rank in self.LABELS]
        try:
            table = pq.read_table(path, columns=columns)
        except Exception as e:
            raise InvalidArgumentError(1, f"{path}: not a species media dataset ({e})") from e
        kinds = {"image", "sound", "edna", "text"}
        if modality is not None:
            if modality not in kinds:
                raise InvalidArgumentError(1, f"modality '{modality}' is not one of {', '.join(sorted(kinds))}")
            mask = np.array(table.column("modality").to_pylist()) == modality
            table = table.filter(mask)
        self.path = path
        self.modality = modality
        self.transform = transform
        self._columns = {name: table.column(name).to_pylist() for name in columns if name != "tensor"}
        self._tensors = table.column("tensor").to_pylist()
        self._labels = np.stack([np.asarray(self._columns[f"{r}_label"], dtype=np.int64) for r in self.LABELS], 1) \
            if len(self._tensors) else np.zeros((0, len(self.LABELS)), np.int64)

    def __len__(self) -> int:
        return len(self._tensors)

    def __getitem__(self, index: int) -> dict:
        if not -len(self) <= index < len(self):
            raise IndexError(f"row {index} is outside 0..{len(self) - 1} of {self.path}")
        shape = [int(n) for n in self._columns["shape"][index].split(",")]
        data = self._tensors[index]
        if len(data) != 4 * int(np.prod(shape)):
            raise InvalidArgumentError(
                1, f"{self.path}: row {index} holds {len(data)} tensor bytes, its shape {shape} needs {4 * int(np.prod(shape))}")
        tensor = torch.from_numpy(np.frombuffer(data, dtype="<f4").reshape(shape).copy())
        if self.transform is not None:
            tensor = self.transform(tensor)
        labels = torch.from_numpy(self._labels[index].copy())
        return {
            "tensor": tensor, "label": labels[0], "labels": dict(zip(self.LABELS, labels)),
            "species": self._columns["species"][index], "record_id": self._columns["record_id"][index],
            "feature": self._columns["feature"][index],
        }
