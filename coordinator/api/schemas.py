"""Shared API shapes: money, pay band, time zones."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from coordinator.api.core import Out, Schema
from coordinator.money import ISO_4217, MAX_AMOUNT, as_text
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


def _at_most_max_amount(value: str) -> str:
    if Decimal(value) > MAX_AMOUNT:
        raise ValueError(f"At most {MAX_AMOUNT:,}; check the number of digits.")
    return value


TimeZone = Annotated[str, Field(min_length=1, max_length=64, examples=["Europe/Berlin"]),
                     AfterValidator(_zone)]
Currency = Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"]),
                     AfterValidator(_currency)]
# [0-9] rather than \d, which also matches other scripts' digits.
DecimalString = Annotated[
    str,
    Field(pattern=r"^[0-9]{1,9}(\.[0-9]{1,2})?$", examples=["95000.00"],
          description=f"A non-negative decimal amount as a string, at most two decimals and "
                      f"at most {MAX_AMOUNT}."),
    AfterValidator(_at_most_max_amount),
]


class Money(Schema):
    amount: DecimalString
    currency: Currency


class MoneyOut(Out):
    amount: str = Field(examples=["95000.00"])
    currency: str = Field(examples=["EUR"])

    @classmethod
    def of(cls, value: Decimal, currency: str) -> MoneyOut:
        return cls(amount=as_text(value), currency=currency)


class PayBandIn(Schema):
    min: DecimalString
    max: DecimalString
    currency: Currency

    @field_validator("max")
    @classmethod
    def _ordered(cls, value: str, info: ValidationInfo) -> str:
        # ``min`` is in info.data only when it was valid itself; then compare.
        low = info.data.get("min")
        if low is not None and Decimal(low) > Decimal(value):
            raise ValueError("The band's maximum must not be below its minimum.")
        return value


class PayBandOut(Out):
    min: str = Field(examples=["70000.00"])
    max: str = Field(examples=["90000.00"])
    currency: str = Field(examples=["EUR"])

    @classmethod
    def of(cls, low: Decimal, high: Decimal, currency: str) -> PayBandOut:
        return cls(min=as_text(low), max=as_text(high), currency=currency)
