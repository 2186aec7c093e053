"""The shared machinery of ratekit's plain-data mappings (rows and plan data).

Both mappings are driven by attrs metadata: a class's fields (their names, aliases and
resolved type annotations) say how each value becomes plain data and back, so a field
added to a value class flows through without a serialiser of its own.
"""

from __future__ import annotations

import functools
import sys
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from ._decimals import to_decimal
from .errors import BadDataError, RatekitError

__all__ = [
    "alias",
    "alternatives",
    "decode_scalar",
    "encode_scalar",
    "fail",
    "field_hints",
    "init_fields",
]


def _home(cls: type) -> dict[str, Any]:
    """The namespace of the module that defines ``cls`` (its ``__module__`` says ``ratekit``)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("ratekit.") or module is None:
            continue
        namespace = vars(module)
        if namespace.get(cls.__name__) is cls and cls.__name__ in namespace.get("__all__", ()):
            return namespace
    return vars(sys.modules[cls.__module__])


def field_hints(cls: type) -> dict[str, Any]:
    """The resolved type annotation of every attrs field of ``cls``. Cached per class."""
    return _hints(cls)


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls, globalns=_home(cls))


def alias(field: attrs.Attribute[Any]) -> str:
    """The name the constructor takes the field by (attrs' ``alias``)."""
    return field.alias or field.name


def alternatives(hint: Any) -> tuple[Any, ...]:
    """The members of a union (``X | None`` gives ``(X, NoneType)``); a single type alone."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(hint)
    return (hint,)


def fail(path: str, message: str) -> BadDataError:
    """A :class:`~ratekit.BadDataError` whose message starts with ``path``."""
    return BadDataError(f"{path or 'the value'}: {message}")


def encode_scalar(value: object) -> object:
    """A free-form attribute value as JSON-safe data: a Decimal becomes ``{"decimal": "1.5"}``.

    Descriptions and selectors hold str, int, bool, None and Decimal values; only the
    Decimal needs a tag to come back as a Decimal (a bare string stays a string).
    """
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, Mapping):
        return {str(key): encode_scalar(item) for key, item in value.items()}
    return value


def decode_scalar(data: object, path: str) -> object:
    """The inverse of :func:`encode_scalar`."""
    if isinstance(data, Mapping):
        if set(data) == {"decimal"}:
            try:
                return to_decimal(data["decimal"], path)
            except RatekitError as error:
                raise fail(path, str(error)) from None
        return {str(key): decode_scalar(item, f"{path}.{key}") for key, item in data.items()}
    if data is None or isinstance(data, str | bool | int | Decimal):
        return data
    if isinstance(data, float):
        return to_decimal(data, path)
    raise fail(
        path,
        "an attribute value must be a string, number, bool or null, "
        f"not {type(data).__name__}: {data!r}.",
    )


def init_fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    """The fields a value is built from: public names, given to the constructor."""
    return tuple(f for f in attrs.fields(cls) if f.init and not f.name.startswith("_"))
