"""Shared API shapes: money, pay band, time zones, the user summary."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator

from coordinator.api.core import Out, Schema
from coordinator.money import ISO_4217, as_text
from coordinator.timeutil import is_valid_zone


def _zone(value: str) -> str:
    if not is_valid_zone(value):
        raise ValueError(f"“{value}” is not a known IANA time zone (e.g. Europe/Berlin).")
    return value


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in ISO_4217:
        raise ValueError(f"“{value}” is not an ISO 4217 currency code (e.g. EUR).")
    return code


TimeZone = Annotated[str, Field(min_length=1, max_length=64, examples=["Europe/Berlin"]),
                     AfterValidator(_zone)]
Currency = Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"]),
                     AfterValidator(_currency)]
DecimalString = Annotated[
    str,
    Field(pattern=r"^\d{1,9}(\.\d{1,2})?$", examples=["95000.00"],
          description="A non-negative decimal amount as a string, at most two decimals."),
]


class Money(BaseModel):
    amount: DecimalString
    currency: Currency


class PayBandIn(Schema):
    min: DecimalString
    max: DecimalString
    currency: Currency

    @field_validator("max")
    @classmethod
    def _ordered(cls, value: str, info: object) -> str:
        low = getattr(info, "data", {}).get("min")
        if low is not None and Decimal(low) > Decimal(value):
            raise ValueError("The band's maximum must not be below its minimum.")
        return value


class PayBandOut(Out):
    min: str
    max: str
    currency: str

    @classmethod
    def of(cls, low: Decimal, high: Decimal, currency: str) -> PayBandOut:
        return cls(min=as_text(low), max=as_text(high), currency=currency)
