"""Money is written with the decimals of its currency (ISO 4217 minor units)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smmflow.money import format_money, minor_units, to_major


@pytest.mark.parametrize(("currency", "exponent"), [
    ("JPY", 0), ("KRW", 0), ("ISK", 0), ("CLP", 0), ("XOF", 0),
    ("EUR", 2), ("USD", 2), ("RUB", 2), ("GBP", 2),
    ("KWD", 3), ("BHD", 3), ("OMR", 3), ("TND", 3),
    ("CLF", 4),
])
def test_minor_units_follow_iso_4217(currency, exponent):
    assert minor_units(currency) == exponent


def test_unknown_or_lowercase_codes():
    assert minor_units("jpy") == 0 and minor_units(" kwd ") == 3
    assert minor_units("ZZZ") == 2  # not in the list: two decimals, as most currencies
    assert minor_units("") == 2


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (12_345, "JPY", "12,345 JPY"),
    (0, "JPY", "0 JPY"),
    (12_345, "EUR", "123.45 EUR"),
    (5, "EUR", "0.05 EUR"),
    (100_000, "EUR", "1,000.00 EUR"),
    (12_345, "KWD", "12.345 KWD"),
    (1_234_567, "BHD", "1,234.567 BHD"),
    (-250, "EUR", "-2.50 EUR"),
    (10**15, "USD", "10,000,000,000,000.00 USD"),  # the largest amount the API takes, exactly
    (12_345, "", "123.45"),
])
def test_format_money(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_fractional_amounts_are_rounded_to_the_minor_unit():
    # a cost per engagement: 40,000 minor units over 68 engagements
    assert format_money(40_000 / 68, "EUR") == "5.88 EUR"
    assert format_money(40_000 / 68, "JPY") == "588 JPY"
    assert format_money(40_000 / 68, "KWD") == "0.588 KWD"


def test_to_major_is_exact():
    assert to_major(12_345, "JPY") == Decimal(12_345)
    assert to_major(12_345, "EUR") == Decimal("123.45")
    assert to_major(12_345, "KWD") == Decimal("12.345")
    assert to_major(10**15 + 1, "EUR") == Decimal("10000000000000.01")
