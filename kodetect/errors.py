"""Errors that reach users. Each carries one line that names the problem."""


class KodetectError(Exception):
    """Base class for errors kodetect raises on purpose."""


class InputError(KodetectError):
    """The input cannot be analysed (empty, binary, undecodable, too long, malformed rows)."""


class ModelError(KodetectError):
    """A model artifact is missing, corrupt, or incompatible with this version of kodetect."""


class ExtraMissing(ModelError):
    """A mode needs an optional part of kodetect that is not installed (`pip install 'kodetect[<extra>]'`)."""

    def __init__(self, message: str, extra: str = "deep") -> None:
        super().__init__(message)
        self.extra = extra
