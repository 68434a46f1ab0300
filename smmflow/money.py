"""Money: amounts are stored in integer minor units of an ISO 4217 currency.

How many minor units make one major unit depends on the currency: 100 cents
make a euro, but the yen has no minor unit and the Kuwaiti dinar has 1000 fils.
Every place that shows an amount (pages, notifications, reports) goes through
:func:`format_money`, so ``12345`` is "12,345 JPY", "123.45 EUR" or
"12.345 KWD".

The exponents are those of the ISO 4217 list (its "minor unit" column); a code
not named here has two decimals, as most currencies do. Codes whose minor unit
the list gives as "N.A." (precious metals, test and settlement units) have no
minor unit, so their amounts are whole units.
"""

from __future__ import annotations

from decimal import Decimal

DEFAULT_MINOR_UNITS = 2

MINOR_UNITS: dict[str, int] = {
    # no minor unit
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # "N.A." in the list: whole units
    "XAG": 0, "XAU": 0, "XBA": 0, "XBB": 0, "XBC": 0, "XBD": 0, "XDR": 0, "XPD": 0, "XPT": 0,
    "XSU": 0, "XTS": 0, "XUA": 0, "XXX": 0,
    # thousandths
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # ten-thousandths (units of account)
    "CLF": 4, "UYW": 4,
}


def minor_units(currency: str) -> int:
    """The number of decimals of ``currency`` (ISO 4217 exponent): JPY 0, EUR 2, KWD 3."""
    return MINOR_UNITS.get(currency.strip().upper(), DEFAULT_MINOR_UNITS)


def to_major(amount_minor: int | float, currency: str) -> Decimal:
    """``amount_minor`` in major units, exactly: 12345 EUR cents is ``Decimal("123.45")``."""
    return Decimal(amount_minor).scaleb(-minor_units(currency))


def format_money(amount_minor: int | float, currency: str) -> str:
    """How an amount is written everywhere: grouped thousands, the currency's decimals, its code.

    ``amount_minor`` may be fractional (an average such as a cost per engagement);
    it is rounded to the currency's minor unit. Without a currency code the number
    is written alone, with two decimals.
    """
    exponent = minor_units(currency)
    return f"{to_major(amount_minor, currency):,.{exponent}f} {currency}".strip()
