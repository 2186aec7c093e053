"""The examples of re-exported classes' methods, named for the doctest finder.

The doctest finder (and so ``pytest --doctest-modules``) reaches a class's methods only
from the module whose name the class reports, and then only the methods defined in that
module. A public class reports the namespace users find it in (``ratekit``,
``ratekit.cycles``), not the private module that defines it, so no module reaches its
methods' examples. A namespace names them in its ``__test__`` mapping with
`method_examples()`, so that each runs once, there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import FunctionType

__all__ = ["method_examples"]


def method_examples(namespace: Mapping[str, object], names: Iterable[str]) -> dict[str, object]:
    """The methods with examples of the classes ``names`` in ``namespace``, by dotted name.

    Functions, static and class methods defined in each class's own body whose docstring
    holds an example (``>>>``); keys read ``"Plan.resolve"``. Properties need no naming:
    the finder reaches them from the class. O(members of the classes).

    Examples:
        >>> import ratekit as rk
        >>> from ratekit._doctests import method_examples
        >>> sorted(method_examples(vars(rk), ["Share", "Span", "bill"]))[:3]
        ['Share.part', 'Span.clip', 'Span.from_us']
    """
    out: dict[str, object] = {}
    for name in names:
        cls = namespace.get(name)
        if not isinstance(cls, type):
            continue
        for method, member in vars(cls).items():
            function = member.__func__ if isinstance(member, staticmethod | classmethod) else member
            if isinstance(function, FunctionType) and ">>>" in (function.__doc__ or ""):
                out[f"{cls.__name__}.{method}"] = function
    return out
