"""BioCube for Python: the cube's windows read by the Swift engine, no batch files needed.

* :class:`biocube.CubeWindows` — a store's windows as dicts of numpy arrays or torch tensors.
* :mod:`biocube.torch` — ``CubeDataset`` and ``SpeciesMediaDataset`` for PyTorch.

See Documentation/Training.md in the BioCube repository.
"""
from ._native import version
from .errors import BioCubeError, CorruptDataError, InvalidArgumentError, StoreNotFoundError
from .windows import CubeWindows

__all__ = ["CubeWindows", "BioCubeError", "CorruptDataError", "InvalidArgumentError", "StoreNotFoundError",
           "version"]
__version__ = "0.1.0"
