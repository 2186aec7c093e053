"""The public surface: ``__all__`` sorted and complete, every name documented and
reported as ``ratekit.<name>``, public classes final."""

from __future__ import annotations

import inspect

import typing_extensions

import ratekit as rk


def test_all_is_sorted_and_unique() -> None:
    assert list(rk.__all__) == sorted(set(rk.__all__))


def test_every_public_name_resolves_and_has_a_docstring_with_an_example() -> None:
    for name in rk.__all__:
        value = getattr(rk, name)
        doc = inspect.getdoc(value)
        assert doc, f"ratekit.{name} has no docstring"
        assert ">>>" in doc, f"ratekit.{name}'s docstring shows no example"


def test_public_objects_report_ratekit_as_their_module() -> None:
    for name in rk.__all__:
        value = getattr(rk, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__ == "ratekit", name
            assert value.__qualname__ == name, name


def test_public_names_cover_every_public_class_of_the_modules() -> None:
    # Nothing defined in a ratekit module with a public name escapes __all__,
    # except the submodule namespaces themselves (cycles) and their members.
    exported = {getattr(rk, name) for name in rk.__all__}
    for name in dir(rk):
        value = getattr(rk, name)
        if inspect.isclass(value) and value.__module__ == "ratekit":
            assert value in exported, name


def test_public_classes_are_final_except_the_error_bases() -> None:
    # the error bases: RatekitTypeError, BadQuantityError and BadPriceError are subclassed
    # by the errors that are two kinds at once (QuantityTypeError, PriceTypeError,
    # RepeatedIdError), so that a caller catching the old kind still catches them
    bases = {
        rk.RatekitError,
        rk.BadRecordError,
        rk.RatekitTypeError,
        rk.BadQuantityError,
        rk.BadPriceError,
    }
    for name in rk.__all__:
        value = getattr(rk, name)
        if (
            inspect.isclass(value)
            and value not in bases
            and not typing_extensions.is_protocol(value)
        ):
            assert getattr(value, "__final__", False), f"ratekit.{name} is not @typing.final"


def test_version_is_a_string() -> None:
    assert isinstance(rk.__version__, str)
    assert rk.__version__[0].isdigit()


def test_the_public_namespaces_expose_no_mutable_decimal_context() -> None:
    # rk.units.CONTEXT was ratekit's own decimal context, public and mutable: a host that
    # set rk.units.CONTEXT.prec = 6 changed every result. Only private names hold it.
    import decimal

    namespaces = [getattr(rk, name) for name in rk.__all__ if inspect.ismodule(getattr(rk, name))]
    assert {namespace.__name__ for namespace in namespaces} >= {"ratekit.units", "ratekit.cycles"}
    for namespace in namespaces:
        for name in dir(namespace):
            if not name.startswith("_"):
                value = getattr(namespace, name)
                assert not isinstance(value, decimal.Context), f"{namespace.__name__}.{name}"
