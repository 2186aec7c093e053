"""Every public docstring example in ratekit runs as a doctest, exactly once.

The doctest finder that ``pytest --doctest-modules`` uses reaches a class's methods only
from the module whose name the class reports, and a public class reports the namespace
users find it in (``ratekit``), not the module that defines it: without a ``__test__``
mapping naming them, the examples of its methods would never run. This test finds every
public function, class, method and property docstring with ``>>>`` and checks that the
finder collects it from exactly one module.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import types
from collections import Counter
from collections.abc import Iterable

import ratekit
from ratekit._doctests import method_examples


def _modules() -> list[types.ModuleType]:
    found = pkgutil.walk_packages(ratekit.__path__, "ratekit.")
    return [ratekit, *(importlib.import_module(module.name) for module in found)]


def collected(modules: Iterable[types.ModuleType]) -> Counter[str]:
    """How many times each docstring with examples is collected, over all the modules."""
    finder = doctest.DocTestFinder()
    out: Counter[str] = Counter()
    for module in modules:
        for test in finder.find(module, module.__name__):
            if test.examples and test.docstring is not None:
                out[test.docstring] += 1
    return out


def public_examples(modules: Iterable[types.ModuleType]) -> dict[int, tuple[str, str]]:
    """Per object (by id): its dotted name and docstring, for public docstrings with ``>>>``.

    Public: a module not named with ``_``, its ``__all__`` (else its names without ``_``),
    and the members of its classes without ``_``.
    """
    out: dict[int, tuple[str, str]] = {}

    def add(name: str, value: object, doc: str | None) -> None:
        if doc and ">>>" in doc:
            out.setdefault(id(value), (name, doc))

    for module in modules:
        if any(part.startswith("_") for part in module.__name__.split(".")):
            continue
        add(module.__name__, module, module.__doc__)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [name for name in vars(module) if not name.startswith("_")]
        for name in names:
            value = getattr(module, name)
            if inspect.ismodule(value) or not str(getattr(value, "__module__", "")).startswith(
                module.__name__.split(".")[0]
            ):
                continue  # a submodule (walked itself), or a name imported from elsewhere
            if inspect.isroutine(value):
                add(f"{module.__name__}.{name}", value, value.__doc__)
            elif inspect.isclass(value):
                add(f"{module.__name__}.{name}", value, value.__doc__)
                for member_name, member in vars(value).items():
                    if member_name.startswith("_"):
                        continue
                    unwrapped = (
                        member.__func__
                        if isinstance(member, staticmethod | classmethod)
                        else member
                    )
                    if inspect.isfunction(unwrapped) or isinstance(unwrapped, property):
                        add(f"{module.__name__}.{name}.{member_name}", unwrapped, unwrapped.__doc__)
    return out


def not_once(modules: list[types.ModuleType]) -> list[str]:
    """The public examples not collected exactly once: ``"name: collected n times"``."""
    counts = collected(modules)
    return sorted(
        f"{name}: collected {counts[doc]} times"
        for name, doc in public_examples(modules).values()
        if counts[doc] != 1
    )


def test_every_public_docstring_example_is_collected_exactly_once() -> None:
    modules = _modules()
    assert len(public_examples(modules)) > 250  # the walk reaches ratekit's whole surface
    assert not_once(modules) == []


def test_a_method_of_a_re_exported_class_is_found_missing_until_named() -> None:
    # A class defined in one module and re-exported by another, reporting the other's
    # name as ratekit's public classes do: the finder reaches its method from neither.
    home = types.ModuleType("elsewhere._home", "A module.")
    face = types.ModuleType("elsewhere", "The namespace.")
    source = (
        "class Thing:\n"
        '    """A thing.\n\n    Examples:\n        >>> 1 + 1\n        2\n    """\n\n'
        "    def part(self):\n"
        '        """A part.\n\n        Examples:\n            >>> 2 + 2\n            4\n        """\n'
    )
    exec(compile(source, "<elsewhere._home>", "exec"), vars(home))
    thing = home.Thing
    thing.__module__ = "elsewhere"
    face.Thing = thing  # type: ignore[attr-defined]
    face.__all__ = ["Thing"]  # type: ignore[attr-defined]
    assert not_once([face, home]) == ["elsewhere.Thing.part: collected 0 times"]
    face.__test__ = method_examples(vars(face), face.__all__)  # type: ignore[attr-defined]
    assert not_once([face, home]) == []
    # named twice (a second namespace naming it too), it would run twice: found as well
    home.__test__ = {"again": thing.part}  # type: ignore[attr-defined]
    assert not_once([face, home]) == ["elsewhere.Thing.part: collected 2 times"]
