"""A missing value where a record needs one is refused with advice that leads to a batch.

pandas gives a missing cell as NaN, NA or NaT. Where the batch takes ``None`` (the
``attributes``, ``id`` and ``seq`` columns) the advice is to turn them into ``None``. Where
it does not (``account``, ``resource``, ``meter``, ``at_us``, ``value``, ``kind``), that
advice led to a second refusal (``account is NoneType None``); and a NaN ``value``, the
commonest gap of a usage frame, was not named as a missing value at all, nor a NaN or NA
``attributes`` cell (whose ``None`` is accepted).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

T0 = 1772323200000000  # 2026-03-01T00:00:00Z


def _events(**given: object) -> dict[str, list[object]]:
    return {
        "account": ["acme"],
        "resource": ["vm-1"],
        "at_us": [T0],
        **{k: [v] for k, v in given.items()},
    }


def _samples(**given: object) -> dict[str, list[object]]:
    columns = {"account": ["acme"], "resource": ["ip-1"], "meter": ["egress"], "at_us": [T0]}
    return {**columns, "value": [5], **{k: [v] for k, v in given.items()}}


def _refused(events: object = None, samples: object = None) -> str:
    with pytest.raises(rk.RatekitError) as raised:
        rk.RecordBatch.from_columns(events=events, samples=samples)  # type: ignore[arg-type]
    return str(raised.value)


def test_a_nan_value_is_named_as_a_missing_value_that_no_sample_goes_without() -> None:
    with pytest.raises(rk.BadQuantityError) as raised:
        rk.RecordBatch.from_columns(samples=_samples(value=float("nan")))
    assert str(raised.value) == (
        "samples[0]: value must be a finite number, not nan. A missing value (pandas' NaN, "
        "NA or NaT) has no place here, nor None: every record has its value; leave out the "
        "records without one (frame.dropna(subset=['value']))."
    )


@pytest.mark.parametrize("field", ["account", "resource", "at_us"])
def test_a_missing_required_field_is_not_advised_to_become_none(field: str) -> None:
    said = _refused(events=_events(**{field: float("nan")}))
    assert "is None here" not in said
    assert said.endswith(
        f" A missing value (pandas' NaN, NA or NaT) has no place here, nor None: every "
        f"record has its {field}; leave out the records without one "
        f"(frame.dropna(subset=['{field}']))."
    )
    # and None, what the old advice gave, is refused too: the advice never led there
    with pytest.raises(rk.RatekitTypeError):
        rk.RecordBatch.from_columns(events=_events(**{field: None}))


def test_a_missing_kind_is_advised_to_be_filled_or_left_to_the_default() -> None:
    said = _refused(samples=_samples(kind=float("nan")))
    assert said.endswith(
        " A missing value (pandas' NaN, NA or NaT) has no place here, nor None: every "
        "record has its kind; fill the column's gaps with a kind, or leave the column out "
        "for the default kind of every record."
    )


def test_pandas_missing_values_in_required_columns_get_the_same_advice() -> None:
    pd = pytest.importorskip("pandas")
    for value in (pd.NA, pd.NaT):
        said = _refused(samples=_samples(value=value))
        assert said.endswith("(frame.dropna(subset=['value'])).")
        said = _refused(samples=_samples(meter=value))
        assert said.endswith("(frame.dropna(subset=['meter'])).")


def test_a_missing_attributes_cell_is_advised_to_become_none_which_is_accepted() -> None:
    pd = pytest.importorskip("pandas")
    for value in (float("nan"), pd.NA):
        said = _refused(events=_events(attributes=value))
        assert said.endswith(" (see the Usage page)."), said
        assert "is None here" in said
    assert rk.RecordBatch.from_columns(events=_events(attributes=None))[0].attributes == {}


def test_a_nullable_int_column_of_a_required_field_is_not_advised_to_become_none() -> None:
    # A nullable Int64 Series holds numpy ints (refused) and NA. For at_us or value the
    # numpy hint said to turn NA into None, which those fields refuse in turn: the advice
    # now leads to a batch (drop the records without one, then the Python ints).
    pd = pytest.importorskip("pandas")
    instants = pd.Series([T0, None], dtype="Int64")
    said = _refused(events={"account": ["a"] * 2, "resource": ["r"] * 2, "at_us": instants})
    assert said == (
        f"events[0]: at_us is int64 np.int64({T0}); an instant of a batch is an int of "
        "microseconds since 1970-01-01T00:00:00Z (use rk.Event or rk.Sample for datetimes "
        "and ISO strings). A numpy array holds numpy scalars, refused where rk.Event and "
        "rk.Sample refuse them: give the column as array.tolist(), which holds Python values "
        "(a pandas Series with missing values: every record has its at_us, so first leave "
        "out the records without one (frame.dropna(subset=['at_us'])))."
    )
    kept = instants.dropna().tolist()
    assert [e.at_us for e in rk.RecordBatch.from_columns(events=_events(at_us=kept[0]))] == [T0]
    # a kind is filled or left to its default; seq, which takes None, keeps that advice
    np = pytest.importorskip("numpy")
    kinds = _refused(events={**_events(), "kind": np.array([1])})
    assert kinds.endswith(
        "(a pandas Series with missing values: every record has its kind, so first fill the "
        "column's gaps with a kind, or leave the column out for the default kind of every "
        "record)."
    )
    seqs = _refused(events={**_events(), "seq": np.array([1])})
    assert seqs.endswith(
        "(a pandas Series with missing values: series.astype(object).where(series.notna(), "
        "None).tolist(), which gives None for them)."
    )


@pytest.mark.parametrize("field", ["account", "resource", "at_us"])
def test_none_in_a_required_field_gets_the_advice_a_missing_value_gets(field: str) -> None:
    # A feed's own None (a row without an account) was refused saying only what the
    # field takes; NaN in the same place was told to leave the record out. Both are now.
    said = _refused(events=_events(**{field: None}))
    assert said.startswith(f"events[0]: {field} is NoneType None; ")
    assert said.endswith(
        f" A missing value (pandas' NaN, NA or NaT) has no place here, nor None: every "
        f"record has its {field}; leave out the records without one "
        f"(frame.dropna(subset=['{field}']))."
    )
    assert _refused(samples=_samples(value=None)).endswith("(frame.dropna(subset=['value'])).")
    assert _refused(samples=_samples(kind=None)).endswith(
        "every record has its kind; fill the column's gaps with a kind, or leave the column "
        "out for the default kind of every record."
    )


def _follow(frame: Any, said: str, plain: set[str]) -> Any:
    """The frame after one step of the advice ``said`` gives, as a reader takes it.

    ``plain`` collects what is asked of the columns themselves: ``"none"`` (missing values
    as None) and the int fields whose floats become ints.
    """
    dropped = re.search(r"frame\.dropna\(subset=\['(\w+)'\]\)", said)
    if dropped:
        field = dropped.group(1)
        frame = frame.dropna(subset=[field])
        return frame.astype({field: "int64"}) if "floats as ints" in said else frame
    if "leave the column out for the default kind" in said:
        return frame.drop(columns="kind")
    if "floats into ints" in said:
        plain.update({"none", _field(said)})
        return frame
    assert "where(series.notna(), None)" in said, f"no advice to follow: {said}"
    plain.add("none")
    return frame


def _field(said: str) -> str:
    found = re.match(r"events\[\d+\](?: \(id '[^']*'\))?: (\w+) is", said)
    assert found, said
    return found.group(1)


def _columns(frame: Any, plain: set[str]) -> dict[str, list[Any]]:
    given = frame.astype(object).where(frame.notna(), None) if "none" in plain else frame
    columns: dict[str, list[Any]] = given.to_dict("list")
    for field in plain & set(columns):
        columns[field] = [None if value is None else int(value) for value in columns[field]]
    return columns


_CELLS = st.tuples(
    st.sampled_from(["acme", None]),
    st.sampled_from(["vm-1", None]),
    st.sampled_from([T0, T0 + 1, None]),
    st.sampled_from(["start", "stop", None]),
    st.sampled_from(["e1", None]),
    st.sampled_from([1, None]),
)


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR))
@given(rows=st.lists(_CELLS, min_size=1, max_size=6))
def test_law_the_advice_for_a_frames_gaps_leads_to_a_batch(rows: list[tuple[Any, ...]]) -> None:
    # A frame with gaps in any column (its int columns floats, its text columns NaN),
    # given as frame.to_dict("list"): each refusal's advice, followed as written, leads
    # to a batch of the rows that have every required field, in their order. Advice that
    # led to None where a record needs the field would refuse again with nothing to follow.
    pd = pytest.importorskip("pandas")
    fields = ["account", "resource", "at_us", "kind", "id", "seq"]
    frame = pd.DataFrame(rows, columns=fields)
    plain: set[str] = set()
    for _ in range(12):  # each step settles one column for good
        try:
            batch = rk.RecordBatch.from_columns(events=_columns(frame, plain))
            break
        except rk.RatekitError as error:
            frame = _follow(frame, str(error), plain)
    else:
        raise AssertionError("the advice did not lead to a batch")
    required = 4 if "kind" in frame.columns else 3
    kept = [row for row in rows if None not in row[:required]]
    assert [(e.account, e.resource, e.at_us) for e in batch] == [row[:3] for row in kept]
