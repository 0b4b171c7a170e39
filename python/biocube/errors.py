"""The exceptions the native library's status codes become."""


class BioCubeError(RuntimeError):
    """A failure reported by the native library; `code` is its status (biocube.h), the
    message names the store, file or array concerned."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class StoreNotFoundError(BioCubeError, FileNotFoundError):
    """No store, or a variable, species or level the store does not hold (BIOCUBE_E_NOT_FOUND)."""


class CorruptDataError(BioCubeError):
    """A chunk or metadata document of the store cannot be decoded (BIOCUBE_E_CORRUPT_DATA)."""


class InvalidArgumentError(BioCubeError, ValueError):
    """An option, item or chip out of its domain (BIOCUBE_E_INVALID_ARGUMENT)."""


def error_for(code: int, message: str) -> BioCubeError:
    kind = {1: InvalidArgumentError, 2: StoreNotFoundError, 4: CorruptDataError}.get(code, BioCubeError)
    return kind(code, message)
