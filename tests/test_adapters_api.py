"""The adapters' public surface: a subpackage of ratekit, each module documented."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import ratekit as rk
import ratekit.adapters

MODULES = ["borel", "ceilometer", "cloudevents", "cloudfoundry", "exoscale"]


def test_adapters_is_a_subpackage_not_names_of_ratekit() -> None:
    assert ratekit.adapters.__all__ == MODULES
    assert "adapters" not in rk.__all__
    for name in MODULES:
        assert getattr(ratekit.adapters, name) is importlib.import_module(
            f"ratekit.adapters.{name}"
        )


def test_importing_ratekit_does_not_import_the_adapters() -> None:
    code = "import sys, ratekit; print('ratekit.adapters' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_every_public_name_is_documented_with_an_example_where_callable() -> None:
    for name in MODULES:
        module = importlib.import_module(f"ratekit.adapters.{name}")
        assert list(module.__all__) == sorted(module.__all__), name
        assert ">>>" in (module.__doc__ or ""), name
        for public in module.__all__:
            value = getattr(module, public)
            if inspect.isfunction(value) or inspect.isclass(value):
                doc = inspect.getdoc(value) or ""
                assert ">>>" in doc, f"{name}.{public}"
            else:
                assert isinstance(value, rk.Meter | tuple), f"{name}.{public}"
