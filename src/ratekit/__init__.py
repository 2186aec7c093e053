"""ratekit: exact, explainable usage rating.

ratekit turns what customers used (instances that ran, bytes that left the network,
apps that were scaled) into exact charges per account and billing cycle. It does no
I/O: bring your records, get back plain values at every stage of the pipeline:

    records --normalize--> timelines --meter--> usage --price--> charges --bill--> invoices

Everything a user needs is importable from the top level:

```pycon
>>> import ratekit as rk
>>> rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z").duration
datetime.timedelta(days=31)

```
"""

from __future__ import annotations

from . import cycles as cycles
from . import plandata as plandata
from . import units as units
from . import windows as windows
from ._call_arguments import constructor as _constructor
from ._crediting import apply_credits as apply_credits
from ._doctests import method_examples as _method_examples
from ._version import __version__ as __version__
from .assignments import Assignment as Assignment
from .batches import RecordBatch as RecordBatch
from .billing import Invoice as Invoice
from .billing import InvoiceLine as InvoiceLine
from .billing import bill as bill
from .compare import Comparison as Comparison
from .compare import ComparisonRow as ComparisonRow
from .compare import compare_plans as compare_plans
from .credits import Credit as Credit
from .credits import CreditLine as CreditLine
from .credits import credits_left as credits_left
from .errors import BadCalendarError as BadCalendarError
from .errors import BadDataError as BadDataError
from .errors import BadPolicyError as BadPolicyError
from .errors import BadPriceError as BadPriceError
from .errors import BadQuantityError as BadQuantityError
from .errors import BadRecordError as BadRecordError
from .errors import BadSnapshotError as BadSnapshotError
from .errors import BadSpanError as BadSpanError
from .errors import BadTimeError as BadTimeError
from .errors import ConflictingRecordError as ConflictingRecordError
from .errors import CurrencyMismatchError as CurrencyMismatchError
from .errors import MissingExtraError as MissingExtraError
from .errors import PriceTypeError as PriceTypeError
from .errors import QuantityTypeError as QuantityTypeError
from .errors import RatekitError as RatekitError
from .errors import RatekitTypeError as RatekitTypeError
from .errors import ReentrantCallError as ReentrantCallError
from .errors import RepeatedIdError as RepeatedIdError
from .errors import ShareMismatchError as ShareMismatchError
from .errors import SplitAccountError as SplitAccountError
from .errors import UncutUsageError as UncutUsageError
from .errors import UnitError as UnitError
from .errors import UnknownCandidateError as UnknownCandidateError
from .errors import UnknownMeterError as UnknownMeterError
from .errors import UnpricedUsageError as UnpricedUsageError
from .export import from_row as from_row
from .export import to_row as to_row
from .export import to_rows as to_rows
from .focus import focus_rows as focus_rows
from .frames import charges_frame as charges_frame
from .frames import invoice_lines_frame as invoice_lines_frame
from .frames import usage_frame as usage_frame
from .metering import meter as meter
from .percentages import GraduatedPercentage as GraduatedPercentage
from .percentages import Percentage as Percentage
from .percentages import TransactionLine as TransactionLine
from .policies import Continuous as Continuous
from .policies import Count as Count
from .policies import Counter as Counter
from .policies import DeltaPolicy as DeltaPolicy
from .policies import Discrete as Discrete
from .policies import Latest as Latest
from .policies import Max as Max
from .policies import Meter as Meter
from .policies import Min as Min
from .policies import OnOff as OnOff
from .policies import Percentile as Percentile
from .policies import SamplePolicy as SamplePolicy
from .policies import TimePolicy as TimePolicy
from .policies import TimeWeightedMean as TimeWeightedMean
from .policies import UniqueCount as UniqueCount
from .pricebook import Allowance as Allowance
from .pricebook import Fee as Fee
from .pricebook import Minimum as Minimum
from .pricebook import Plan as Plan
from .pricebook import PriceEntry as PriceEntry
from .pricebook import currency_quantum as currency_quantum
from .prices import Flat as Flat
from .prices import Graduated as Graduated
from .prices import Package as Package
from .prices import PerUnit as PerUnit
from .prices import PriceModel as PriceModel
from .prices import Volume as Volume
from .rater import Rater as Rater
from .rating import Charge as Charge
from .rating import Rating as Rating
from .rating import rate as rate
from .records import Anomaly as Anomaly
from .records import Event as Event
from .records import Inventory as Inventory
from .records import Sample as Sample
from .selectors import Above as Above
from .selectors import AtLeast as AtLeast
from .selectors import AtMost as AtMost
from .selectors import Below as Below
from .selectors import Between as Between
from .selectors import OneOf as OneOf
from .selectors import Satisfies as Satisfies
from .sharing import Share as Share
from .spans import Span as Span
from .spans import SpanSet as SpanSet
from .statements import Feed as Feed
from .statements import Statement as Statement
from .statements import StatementLine as StatementLine
from .tiers import Tier as Tier
from .tiers import TierLine as TierLine
from .timeline import Timeline as Timeline
from .units import Unit as Unit
from .units import convert as convert
from .usage import ResourceState as ResourceState
from .usage import Usage as Usage
from .usage import UsageRow as UsageRow

__all__ = [
    "Above",
    "Allowance",
    "Anomaly",
    "Assignment",
    "AtLeast",
    "AtMost",
    "BadCalendarError",
    "BadDataError",
    "BadPolicyError",
    "BadPriceError",
    "BadQuantityError",
    "BadRecordError",
    "BadSnapshotError",
    "BadSpanError",
    "BadTimeError",
    "Below",
    "Between",
    "Charge",
    "Comparison",
    "ComparisonRow",
    "ConflictingRecordError",
    "Continuous",
    "Count",
    "Counter",
    "Credit",
    "CreditLine",
    "CurrencyMismatchError",
    "DeltaPolicy",
    "Discrete",
    "Event",
    "Fee",
    "Feed",
    "Flat",
    "Graduated",
    "GraduatedPercentage",
    "Inventory",
    "Invoice",
    "InvoiceLine",
    "Latest",
    "Max",
    "Meter",
    "Min",
    "Minimum",
    "MissingExtraError",
    "OnOff",
    "OneOf",
    "Package",
    "PerUnit",
    "Percentage",
    "Percentile",
    "Plan",
    "PriceEntry",
    "PriceModel",
    "PriceTypeError",
    "QuantityTypeError",
    "RatekitError",
    "RatekitTypeError",
    "Rater",
    "Rating",
    "RecordBatch",
    "ReentrantCallError",
    "RepeatedIdError",
    "ResourceState",
    "Sample",
    "SamplePolicy",
    "Satisfies",
    "Share",
    "ShareMismatchError",
    "Span",
    "SpanSet",
    "SplitAccountError",
    "Statement",
    "StatementLine",
    "Tier",
    "TierLine",
    "TimePolicy",
    "TimeWeightedMean",
    "Timeline",
    "TransactionLine",
    "UncutUsageError",
    "UniqueCount",
    "Unit",
    "UnitError",
    "UnknownCandidateError",
    "UnknownMeterError",
    "UnpricedUsageError",
    "Usage",
    "UsageRow",
    "Volume",
    "apply_credits",
    "bill",
    "charges_frame",
    "compare_plans",
    "convert",
    "credits_left",
    "currency_quantum",
    "cycles",
    "focus_rows",
    "from_row",
    "invoice_lines_frame",
    "meter",
    "plandata",
    "rate",
    "to_row",
    "to_rows",
    "units",
    "usage_frame",
    "windows",
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


def _refuse_unbound_calls() -> None:
    # A call a public class's ``__init__`` cannot bind (an argument missing, one it does
    # not take) is a RatekitTypeError naming what it takes, as the public functions' are
    # (`_entry_points.in_context`, `_call_arguments.checked`); protocols and errors are
    # not built so.
    namespace = globals()
    for name in __all__:
        value = namespace[name]
        built = isinstance(value, type) and not issubclass(value, BaseException)
        if built and not getattr(value, "_is_protocol", False):
            _constructor()(value)


_refuse_unbound_calls()


# The doctest finder reaches a class's methods only from the module that defines them, and
# the public classes report ``ratekit``: their methods' examples are named here, to run once.
__test__ = _method_examples(globals(), __all__)
