"""ratekit: exact, explainable usage rating.

ratekit turns what customers used (instances that ran, bytes that left the network,
apps that were scaled) into exact charges per account and billing cycle. It does no
I/O: bring your records, get back plain values at every stage of the pipeline::

    records --normalize--> timelines --meter--> usage --price--> charges --bill--> invoices

Everything a user needs is importable from the top level::

    >>> import ratekit as rk
    >>> rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z").duration
    datetime.timedelta(days=31)
"""

from __future__ import annotations

from . import cycles as cycles
from . import units as units
from ._version import __version__ as __version__
from .errors import BadCalendarError as BadCalendarError
from .errors import BadPriceError as BadPriceError
from .errors import BadQuantityError as BadQuantityError
from .errors import BadRecordError as BadRecordError
from .errors import BadSpanError as BadSpanError
from .errors import BadTimeError as BadTimeError
from .errors import ConflictingRecordError as ConflictingRecordError
from .errors import CurrencyMismatchError as CurrencyMismatchError
from .errors import RatekitError as RatekitError
from .errors import RatekitTypeError as RatekitTypeError
from .errors import UnitError as UnitError
from .errors import UnknownMeterError as UnknownMeterError
from .errors import UnpricedUsageError as UnpricedUsageError
from .pricebook import Allowance as Allowance
from .pricebook import Assignment as Assignment
from .pricebook import Fee as Fee
from .pricebook import Minimum as Minimum
from .pricebook import Plan as Plan
from .pricebook import PriceEntry as PriceEntry
from .pricebook import currency_quantum as currency_quantum
from .prices import Flat as Flat
from .prices import Graduated as Graduated
from .prices import GraduatedPercentage as GraduatedPercentage
from .prices import Package as Package
from .prices import Percentage as Percentage
from .prices import PerUnit as PerUnit
from .prices import PriceModel as PriceModel
from .prices import Tier as Tier
from .prices import TierLine as TierLine
from .prices import TransactionLine as TransactionLine
from .prices import Volume as Volume
from .records import Anomaly as Anomaly
from .records import Event as Event
from .records import Inventory as Inventory
from .records import Sample as Sample
from .spans import Span as Span
from .spans import SpanSet as SpanSet
from .timeline import Timeline as Timeline
from .units import Unit as Unit
from .units import convert as convert

__all__ = [
    "Allowance",
    "Anomaly",
    "Assignment",
    "BadCalendarError",
    "BadPriceError",
    "BadQuantityError",
    "BadRecordError",
    "BadSpanError",
    "BadTimeError",
    "ConflictingRecordError",
    "CurrencyMismatchError",
    "Event",
    "Fee",
    "Flat",
    "Graduated",
    "GraduatedPercentage",
    "Inventory",
    "Minimum",
    "Package",
    "PerUnit",
    "Percentage",
    "Plan",
    "PriceEntry",
    "PriceModel",
    "RatekitError",
    "RatekitTypeError",
    "Sample",
    "Span",
    "SpanSet",
    "Tier",
    "TierLine",
    "Timeline",
    "TransactionLine",
    "Unit",
    "UnitError",
    "UnknownMeterError",
    "UnpricedUsageError",
    "Volume",
    "convert",
    "currency_quantum",
    "cycles",
    "units",
]


def _fix_module_names() -> None:
    # Public objects report ``ratekit`` as their module, so reprs, errors and docs say
    # ``ratekit.Span`` rather than the private module they live in (as trio does).
    namespace = globals()
    for name in __all__:
        value = namespace[name]
        if isinstance(value, type) or callable(value):
            value.__module__ = __name__


_fix_module_names()
