"""Shared test configuration: hypothesis profiles.

``ci`` (the default) runs the laws' budget of examples (``tests/_budget.py``) with no
deadline, so timing noise on a shared 2-core machine cannot fail a property, and draws
the same examples on every run (``derandomize``): a check passes or fails on the code,
not on the draw, so a fault pinned as a strict expected failure cannot fail it one run
in twenty when a law happens to draw it. ``thorough`` runs many more, drawn anew each
run: the search for new faults, run by hand before an issue is resolved.
Pick one with ``HYPOTHESIS_PROFILE=thorough``.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Generator, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from tests._budget import LAWS

settings.register_profile(
    "ci",
    max_examples=LAWS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile("thorough", max_examples=2_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.hookimpl(wrapper=True)
def pytest_collection() -> Generator[None, object, object]:
    """Collect with the cycle collector off, then freeze what the collection leaves alive.

    Importing ~700 test modules and building their strategies allocates without pause:
    the collector's full passes over the growing heap were a quarter of the collection's
    time (57 s of 191 s in one process, under load), in every process that collects (each
    worker of each step). Garbage is collected once at the end instead; what stays alive
    (the modules, the items) is frozen, so that the tests' own collections pass it over.
    """
    gc.disable()
    try:
        return (yield)
    finally:
        gc.enable()
        gc.collect()
        gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every hypothesis test ``property``: the whole check runs them without coverage.

    A ``@given`` test carries a ``hypothesis`` handle; a state machine's test case carries
    its ``settings``. ``-m property`` selects them, ``-m "not property"`` the examples.
    """
    for item in items:
        function = getattr(item, "obj", None)
        case = getattr(item, "cls", None)
        if hasattr(function, "hypothesis") or isinstance(getattr(case, "settings", None), settings):
            item.add_marker(pytest.mark.property)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A Dask client of a local cluster of two worker processes (skipped without Dask)."""
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",  # any free port: two test processes may each start one
        timeout=60,
    )
    the_client = distributed.Client(cluster, timeout=60)
    try:
        yield the_client
    finally:
        the_client.close()
        cluster.close()
