"""How soapbuild's own objects are kept and sent: quickly, and safely read back.

:func:`dump` pickles soapbuild's dataclasses as a call of the class with its fields
(:class:`_Pickler`): read back, that is one ``__init__`` per object, where pickle's
default (a ``__setstate__`` that looks the fields up again for every object) made
loading twice as slow. The cache keeps its entries so, and the checker's workers
send their pieces so (:mod:`soapbuild.workers`).

:func:`load` reads back with an unpickler that builds nothing but soapbuild's own
dataclasses and enums (and the few classes that say ``cache_safe = True``: made again
from plain values by their ``__reduce__``), dates, time zones and plain containers
(pickle's "restricting globals" recipe, :class:`_Unpickler`): a cache entry planted in
the workspace can make a run wrong but cannot run code, and whatever does not read back
is None.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import sys
from collections.abc import Callable
from enum import Enum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

_ALLOWED = {
    "builtins": {"frozenset", "set", "tuple", "list", "dict", "bytes", "str", "int", "float",
                 "complex", "bool"},
    "datetime": {"datetime", "date", "time", "timedelta", "timezone"},
    "zoneinfo": {"ZoneInfo"},
    "copyreg": {"_reconstructor"},
}


_FOUND: dict[tuple[str, str], object] = {}  # what find_class allowed, by name


class _Unpickler(pickle.Unpickler):
    """Builds only soapbuild's classes, dates and containers (pickle's "restricting
    globals" recipe): no function of any other module can be reached from an entry."""

    def find_class(self, module: str, name: str) -> object:
        found = _FOUND.get((module, name))
        if found is None:
            found = _FOUND[module, name] = self._allowed(module, name)
        return found

    def _allowed(self, module: str, name: str) -> object:
        if (module, name) == ("builtins", "getattr"):
            return _member  # how enum members and time zones are pickled, and nothing else
        if module in _ALLOWED:
            if name in _ALLOWED[module]:
                return super().find_class(module, name)
        elif module.startswith("soapbuild.") and "." not in name:
            found = super().find_class(module, name)
            if (isinstance(found, type) and found.__module__ == module
                    and (dataclasses.is_dataclass(found) or issubclass(found, Enum)
                         or found.__dict__.get("cache_safe") is True)):
                return _sharing(found) or found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


# The values of the fields that a class says repeat from note to note (its ``REPEATED``:
# section and field names, role sets), each read back once for the whole process: strings
# interned, other values (role sets) kept here.
_REPEATED: dict[object, object] = {}
REPEATED_LONGEST = 64  # a longer string (a free-text field) is kept as it is


def _sharing(kind: type) -> Callable[..., object] | None:
    """How to make ``kind`` from its fields with its repeated values shared, when it has any
    and is pickled by :class:`_Pickler` (as a call of the class with its fields)."""
    names, fields = getattr(kind, "REPEATED", ()), _init_fields(kind)
    if not names or fields is None:
        return None
    places = tuple(fields.index(name) for name in names)

    def make(*values: object) -> object:
        shared = list(values)
        for place in places:
            value = shared[place]
            if type(value) is str:
                if len(value) <= REPEATED_LONGEST:
                    shared[place] = sys.intern(value)
            elif value is not None:
                shared[place] = _REPEATED.setdefault((type(value), value), value)
        return kind(*shared)

    return make


def _member(kind: object, name: str) -> object:
    """``getattr`` as pickle uses it for an enum member and for a time zone's constructor."""
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind[name]
    if kind is ZoneInfo and name == "_unpickle":
        return ZoneInfo._unpickle  # type: ignore[attr-defined]
    raise pickle.UnpicklingError(f"{kind!r}.{name} is not allowed in the cache")


def load(content: bytes) -> object:
    """What an entry holds, or None when it cannot be read back safely."""
    try:
        return _Unpickler(io.BytesIO(content)).load()
    except Exception:  # a garbled entry can raise nearly anything; it is only a miss
        return None


class _Pickler(pickle.Pickler):
    """Pickles soapbuild's dataclasses as a call of the class with its fields: read back,
    that is one ``__init__`` per object, where pickle's default (a ``__setstate__`` that
    looks the fields up again for every object) makes loading twice as slow."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        names = _init_fields(kind) if kind.__module__.startswith("soapbuild.") else None  # type: ignore[arg-type]
        if names is None:
            return NotImplemented
        return kind, tuple(getattr(obj, name) for name in names)


@cache
def _init_fields(kind: type) -> tuple[str, ...] | None:
    """The fields a dataclass is made from, or None when it is not made from them alone."""
    if not dataclasses.is_dataclass(kind):
        return None
    fields = dataclasses.fields(kind)
    if any(not field.init for field in fields) or hasattr(kind, "__post_init__"):
        return None
    return tuple(field.name for field in fields)


def dump(value: object) -> bytes:
    stream = io.BytesIO()
    _Pickler(stream, protocol=5).dump(value)
    return stream.getvalue()
