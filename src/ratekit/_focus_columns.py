"""The FOCUS 1.2 columns ratekit writes, and the values its categories take.

Public through `ratekit.focus` (`MANDATORY`, `CONDITIONAL`, `EXTENSIONS`); the rows are
built by [`focus_rows()`][ratekit.focus_rows]. Source: the FinOps Foundation's FOCUS 1.2
specification (columns, ``ServiceCategory`` values, ``ChargeCategory`` and
``ChargeFrequency``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["CHARGE_CATEGORIES", "CONDITIONAL", "EXTENSIONS", "MANDATORY", "SERVICE_CATEGORIES"]

#: The columns FOCUS 1.2 requires in every cost-and-usage dataset.
MANDATORY: Final[tuple[str, ...]] = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "ContractedCost",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
)
#: The conditional and recommended FOCUS columns ratekit fills.
CONDITIONAL: Final[tuple[str, ...]] = (
    "ChargeFrequency",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedUnitPrice",
    "ListUnitPrice",
    "PricingCategory",
    "ResourceId",
    "SkuPriceId",
    "Tags",
)
#: ratekit's own columns (FOCUS requires custom columns to start with ``x_``).
EXTENSIONS: Final[tuple[str, ...]] = (
    "x_Plan",
    "x_PriceEntry",
    "x_Meter",
    "x_ChargeKind",
    "x_FreeQuantity",
    "x_RecordIds",
    "x_Credit",
)

#: FOCUS 1.2 ServiceCategory values.
SERVICE_CATEGORIES: Final = frozenset(
    {
        "AI and Machine Learning",
        "Analytics",
        "Business Applications",
        "Compute",
        "Databases",
        "Developer Tools",
        "Multicloud",
        "Identity",
        "Integration",
        "Internet of Things",
        "Management and Governance",
        "Media",
        "Migration",
        "Mobile",
        "Networking",
        "Security",
        "Storage",
        "Web",
        "Other",
    }
)

# The FOCUS category of each charge kind. A kind added to ratekit (a credit, a shared
# part) gets its category here; an unknown kind is refused rather than guessed.
CHARGE_CATEGORIES: Final[Mapping[str, tuple[str, str]]] = {
    "usage": ("Usage", "Usage-Based"),
    "fee": ("Purchase", "Recurring"),
    "minimum": ("Adjustment", "Recurring"),
    "credit": ("Credit", "Recurring"),
    "correction": ("Usage", "Usage-Based"),
    "reversal": ("Usage", "Usage-Based"),
}
