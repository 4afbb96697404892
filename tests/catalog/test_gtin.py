"""GTIN check digits: every valid code is accepted, every single-digit error is caught."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.catalog.errors import InvalidBarcode
from comptoir.catalog.service import gtin_check_digit, is_valid_gtin, normalise_gtin

bodies = st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)


@given(bodies)
def test_a_body_with_its_check_digit_is_a_valid_gtin(body: str) -> None:
    assert is_valid_gtin(body + str(gtin_check_digit(body)))


@given(bodies, st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_refused(body: str, shift: int) -> None:
    wrong = (gtin_check_digit(body) + shift) % 10
    assert not is_valid_gtin(body + str(wrong))


@given(bodies, st.data())
def test_changing_any_one_digit_is_caught(body: str, data: st.DataObject) -> None:
    code = body + str(gtin_check_digit(body))
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
    assert not is_valid_gtin(code[:position] + digit + code[position + 1 :])


@pytest.mark.parametrize(
    "code", ["4006381333931", "96385074", "036000291452", "00012345600012", "3017620422003"]
)
def test_known_real_codes_are_valid(code: str) -> None:
    assert is_valid_gtin(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "123",
        "400638133393X",
        "4006381333932",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",
    ],
)
def test_malformed_codes_are_refused_naming_the_field(code: str) -> None:
    with pytest.raises(InvalidBarcode) as caught:
        normalise_gtin(code, field="variants.0.barcode")
    assert caught.value.field == "variants.0.barcode"
