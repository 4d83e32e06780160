"""Money: decimal amounts with ISO 4217 currency codes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from coordinator.errors import RuleViolation

# ISO 4217 active codes (2026). Kept here so validation needs no network and no extra package.
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES
    VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)

#: No salary or band in this product is larger than this; anything above is a typo.
MAX_AMOUNT = Decimal("100000000")
CENT = Decimal("0.01")


def currency_code(value: str, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if code not in ISO_4217:
        raise RuleViolation(field, f"“{value}” is not an ISO 4217 currency code (e.g. EUR, USD).")
    return code


def amount(value: object, field: str = "amount") -> Decimal:
    """A non-negative amount with at most two decimals, below :data:`MAX_AMOUNT`."""
    if isinstance(value, bool) or value is None or value == "":
        raise RuleViolation(field, "Give an amount, e.g. 95000.00.")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as err:
        raise RuleViolation(field, f"“{value}” is not an amount, e.g. 95000.00.") from err
    if not number.is_finite():
        raise RuleViolation(field, "Give a finite amount.")
    if number < 0:
        raise RuleViolation(field, "An amount cannot be negative.")
    if number > MAX_AMOUNT:
        raise RuleViolation(field, f"At most {MAX_AMOUNT:,} — check the number of digits.")
    if number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise RuleViolation(field, "At most two decimals.")
    return number.quantize(CENT)


def as_text(value: Decimal) -> str:
    return f"{value.quantize(CENT)}"
