"""A missing optional extra raises one error, MissingExtraError, naming what to install."""

from __future__ import annotations

import sys

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def test_cron_windows_without_cronsim_name_the_cron_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cronsim", None)  # as if it were not installed
    with pytest.raises(rk.MissingExtraError) as caught:
        rk.windows.cron("0 22 * * *", "0 6 * * *", tz="UTC")
    assert str(caught.value) == (
        "cron windows need cronsim, which ratekit does not install by itself; install it "
        "with `pip install 'ratekit[cron]'`."
    )
    # one error for every missing extra: a ratekit error and an ImportError, not a
    # BadCalendarError (the cron window's input is not at fault)
    assert isinstance(caught.value, rk.RatekitError)
    assert isinstance(caught.value, ImportError)
    assert not isinstance(caught.value, rk.BadCalendarError)


def test_frames_without_pandas_name_the_pandas_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(rk.MissingExtraError) as caught:
        rk.usage_frame([])
    assert str(caught.value) == (
        "ratekit's DataFrames need pandas, which ratekit does not install by itself; install "
        "it with `pip install 'ratekit[pandas]'`."
    )
    assert isinstance(caught.value, ImportError)


def test_a_library_that_is_there_but_broken_is_not_called_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ratekit._extras import require

    monkeypatch.setitem(sys.modules, "a_dependency_of_it", None)
    monkeypatch.syspath_prepend(str(_broken_module(monkeypatch)))
    with pytest.raises(ImportError) as caught:
        require("broken_extra_module", "x", "x needs")
    assert not isinstance(caught.value, rk.MissingExtraError)
    assert caught.value.name == "a_dependency_of_it"


def _broken_module(monkeypatch: pytest.MonkeyPatch) -> object:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    (folder / "broken_extra_module.py").write_text("import a_dependency_of_it\n")
    monkeypatch.delitem(sys.modules, "broken_extra_module", raising=False)
    return folder
