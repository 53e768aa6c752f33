"""Phone numbers in every way Chinese contacts and call-center systems write them meet in one
canonical form."""

from __future__ import annotations

import pytest

from aftersales.channels.phones import display, normalize


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138-0013-8000",
        "138 0013 8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 13800138000",
        "008613800138000",
        "8613800138000",
        "013800138000",
        "＋８６ １３８００１３８０００",  # full-width, as typed with a Chinese input method
        "(+86) 138 0013 8000",
    ],
)
def test_mainland_mobiles(raw):
    assert normalize(raw) == "+8613800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "021-62345678",
        "021 6234 5678",
        "(021) 6234 5678",
        "（021）62345678",
        "+86 21 6234 5678",
        "0086-21-62345678",
        "+86 (0)21 6234 5678",
        "021-62345678 转 801",
        "021-62345678-801",
        "021-62345678 ext. 801",
    ],
)
def test_mainland_landlines_with_area_code_and_extension(raw):
    assert normalize(raw) == "+862162345678"


def test_three_digit_area_codes_and_service_numbers():
    assert normalize("0755-8888 6666") == "+8675588886666"  # Shenzhen
    assert normalize("0571 8765 4321") == "+8657187654321"  # Hangzhou
    assert normalize("400-810-8888") == "+864008108888"
    assert normalize("+86 400 810 8888") == "+864008108888"


def test_a_local_number_takes_the_configured_area_code():
    assert normalize("62345678", local_area_code="21") == "+862162345678"
    assert normalize("6234 5678", local_area_code="021") == "+862162345678"
    assert normalize("62345678") == "62345678"  # no area code configured: as dialled


def test_other_countries_and_non_numbers():
    assert normalize("+1 (415) 555-0100") == "+14155550100"
    assert normalize("0044 20 7946 0958") == "+442079460958"
    assert normalize("") == ""
    assert normalize(None) == ""
    assert normalize("unknown") == ""
    assert normalize("110") == ""


def test_display():
    assert display("+8613800138000") == "138 0013 8000"
    assert display("+862162345678") == "021-6234 5678"
    assert display("+8675588886666") == "0755-8888 6666"
    assert display("+864008108888") == "400-810-8888"
    assert display("+14155550100") == "+14155550100"
