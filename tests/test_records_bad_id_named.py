"""A record whose id is refused is named by its account and resource, as one without an id is.

``rk.Event`` and ``rk.Sample`` name a record by its id, or, without one, by its resource
(``event (no id) of resource 'vm-1'``). A refused id said only ``sample id must be a
non-empty string or None, not <NA>.``: nothing told which of a feed's records it was, and
where records are built by ``build=`` on Dask workers (a DataFrame's row, whose missing
string is pandas' NA) the error comes back as itself, with no position either.
"""

from __future__ import annotations

import pytest

import ratekit as rk

T0 = "2026-03-02T08:00:00Z"


def test_a_bad_event_id_names_the_events_account_and_resource() -> None:
    with pytest.raises(rk.RatekitTypeError) as refused:
        rk.Event("acme", "vm-1", T0, id=17)  # type: ignore[arg-type]
    assert str(refused.value) == (
        "event of account 'acme' and resource 'vm-1' id must be a non-empty string or None, not 17."
    )


def test_a_bad_sample_id_names_the_samples_account_and_resource() -> None:
    with pytest.raises(rk.RatekitTypeError) as refused:
        rk.Sample("acme", "ip-1", "egress", T0, 5, id="")
    assert str(refused.value) == (
        "sample of account 'acme' and resource 'ip-1' id must be a non-empty string or None, "
        "not ''."
    )


def test_a_missing_id_from_pandas_is_advised_to_be_none() -> None:
    pd = pytest.importorskip("pandas")
    for missing in (pd.NA, float("nan")):
        with pytest.raises(rk.RatekitTypeError) as refused:
            rk.Sample("acme", "ip-1", "egress", T0, 5, id=missing)
        said = str(refused.value)
        assert said.startswith("sample of account 'acme' and resource 'ip-1' id must be")
        assert said.endswith(
            " A missing value (NaN, or pandas' NA or NaT) is no id: give None for it "
            "(series.astype(object).where(series.notna(), None).tolist() does)."
        )
    assert rk.Sample("acme", "ip-1", "egress", T0, 5, id=None).id is None


def test_an_inventorys_bad_id_is_refused_as_before() -> None:
    with pytest.raises(rk.RatekitTypeError) as refused:
        rk.Inventory(T0, [], id=3)  # type: ignore[arg-type]
    assert str(refused.value) == "inventory id must be a non-empty string or None, not 3."
