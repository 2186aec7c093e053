"""A caller's subclass of ``str`` or ``Decimal`` runs its own code: the record doors read
it by ``str``'s and ``Decimal``'s own methods, so that what its methods raise never
escapes and what it holds is taken (or refused) as its plain value would be."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

T0 = "2026-03-01T00:00:00Z"


class _RaisingStr(str):
    """A str whose own methods raise."""

    def __len__(self) -> int:
        raise ValueError("no len")

    def strip(self, chars: str | None = None) -> str:
        raise ValueError("no strip")

    def isascii(self) -> bool:
        raise ValueError("no isascii")

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        raise ValueError("no encode")


class _RaisingDecimal(Decimal):
    """A Decimal whose own methods raise."""

    def is_finite(self) -> bool:
        raise ValueError("no is_finite")

    def __repr__(self) -> str:
        raise ValueError("no repr")


def test_a_str_subclass_is_read_as_its_text() -> None:
    event = rk.Event(_RaisingStr("acme"), _RaisingStr("vm-1"), T0, id=_RaisingStr("e1"))
    assert (event.account, event.resource, event.id) == ("acme", "vm-1", "e1")
    assert type(event.account) is str
    listing = rk.Inventory(T0, [], accounts=[_RaisingStr("acme"), _RaisingStr("Zürich")])
    assert listing.accounts == ("Zürich", "acme")
    assert rk.Event("a", "r", _RaisingStr(T0)).at_us == 1772323200000000


def test_an_empty_or_bad_str_subclass_is_refused_by_the_door() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Event(_RaisingStr(""), "r", T0)
    assert str(caught.value) == (
        "event (no id) of resource 'r' account must be a non-empty string, not ''."
    )
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^event of account 'a' and resource 'r' id must be a non-empty string or None, not ''\.$",
    ):
        rk.Event("a", "r", T0, id=_RaisingStr(""))
    with pytest.raises(rk.RatekitTypeError, match=r"^inventory accounts must hold account"):
        rk.Inventory(T0, [], accounts=[_RaisingStr("")])
    with pytest.raises(rk.BadTimeError) as late:
        rk.Event("a", "r", _RaisingStr(" 2026-03-01T00:00:00Z"))
    assert str(late.value).startswith(
        "event (no id) of resource 'r' at ' 2026-03-01T00:00:00Z' is not an instant ratekit "
        "reads (it has blanks around it); "
    )


def test_a_decimal_subclass_is_read_as_its_value() -> None:
    event = rk.Event("a", "r", T0, {"size": _RaisingDecimal("1.5")})
    assert event.attributes["size"] == Decimal("1.5")
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.Event("a", "r", T0, {"size": _RaisingDecimal("NaN")}, id="e1")
    assert str(caught.value).startswith(
        "event 'e1' attribute 'size' is Decimal('NaN'), not a finite number; "
    )
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^inventory where attribute 'size' is Decimal\('NaN'\), not a finite",
    ):
        rk.Inventory(T0, [], where=(("size", _RaisingDecimal("NaN")),))
