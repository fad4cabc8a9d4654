"""Two folders exchanged in one step, where the system offers it.

A build's new output is complete in a staging folder before it is committed
(:mod:`.output`). Moving its pages in one by one leaves, for the milliseconds
between the first rename and the last, and for ever if the build is killed
there, an ``output/`` of new pages beside old ones. Linux (3.15 and later) can
exchange two folders with one ``renameat2(RENAME_EXCHANGE)``: a reader, or a
build killed at any moment, then finds the whole old output or the whole new one.
Python's ``os`` does not expose the call, so it is reached through ``ctypes``;
where it is missing (another system, an old C library, a file system that refuses
it) :func:`exchange` says so and the output falls back to the renames and their
journal. ``SOAPBUILD_NO_SWAP=1`` chooses that fallback everywhere (a file system
that misbehaves; the test of the fallback).
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EXDEV,
                getattr(errno, "ENOTSUP", errno.EINVAL), getattr(errno, "EOPNOTSUPP", errno.EINVAL)}


@cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                     ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


def available() -> bool:
    """Whether :func:`exchange` may work here (it can still refuse on some file system)."""
    return _renameat2() is not None and not os.environ.get("SOAPBUILD_NO_SWAP")


def exchange(first: Path, second: Path) -> bool:
    """Put ``first`` where ``second`` is and ``second`` where ``first`` is, in one step.

    False when this system or file system cannot, and then nothing changed; other
    failures raise ``OSError``.
    """
    call = _renameat2()
    if call is None or not available():
        return False
    if call(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
            _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))
