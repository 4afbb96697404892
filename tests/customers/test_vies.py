"""VIES: the adapter over real HTTP against a fake VIES answering recorded payloads
(registered, not registered, a member state's service down, too slow), the disabled adapter,
and the check kept on a company customer when its VAT number is saved."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from comptoir.customers.vies import DisabledRegistry, ViesRegistry, vat_number_registry
from tests.customers.fake_vies import FakeVies, fake_vies  # noqa: F401  (fixture)
from tests.support.auth import act_as

CUSTOMERS = "/api/v1/customers"


def _registry(fake: FakeVies, *, timeout: float = 1.0) -> ViesRegistry:
    return ViesRegistry(fake.url, timeout=timeout, requester="FR40303265045")


def test_a_registered_number_is_valid_with_its_name_and_consultation_number(
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given VIES knows FR40303265045
    # when the adapter asks it
    check = _registry(fake_vies).check("FR", "40303265045")

    # then it is valid, with the trader and VIES's consultation number; the request named
    # the number and the shop as requester
    assert (check.valid, check.name, check.request_identifier) == (
        True,
        "SA ODIGO",
        "WAPIAAAAZ5kX3nQb",
    )
    assert check.address == "3 RUE DU FAUBOURG SAINT HONORE\n75008 PARIS"
    assert fake_vies.calls == [
        {
            "countryCode": "FR",
            "vatNumber": "40303265045",
            "requesterMemberStateCode": "FR",
            "requesterNumber": "40303265045",
        }
    ]


def test_a_number_not_registered_is_invalid_and_undisclosed_fields_are_empty(
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # when VIES is asked about DE123456789, which it does not know
    check = _registry(fake_vies).check("DE", "123456789")

    # then the answer is "not registered", without the "---" placeholders
    assert (check.valid, check.name, check.address, check.request_identifier) == (
        False,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("811907980", "the German service is down (MS_UNAVAILABLE, with valid=false)"),
        ("000000000", "VIES answers a 500"),
        ("999999999", "VIES answers after the timeout"),
    ],
)
def test_when_vies_cannot_answer_the_result_is_unknown(
    fake_vies: FakeVies,  # noqa: F811
    number: str,
    why: str,
) -> None:
    # when VIES cannot say (see why)
    check = _registry(fake_vies, timeout=0.5).check("DE", number)

    # then the answer is "unknown", never "not registered"
    assert check.valid is None, why
    assert len(fake_vies.calls) == 1


def test_an_unreachable_vies_is_unknown() -> None:
    # given nothing listens on the configured address
    registry = ViesRegistry("http://127.0.0.1:9/check-vat-number", timeout=0.5)

    # when asked, then the answer is unknown
    assert registry.check("FR", "40303265045").valid is None


def test_the_registry_is_disabled_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # given no VIES setting
    monkeypatch.delenv("COMPTOIR_VIES_REGISTRY", raising=False)

    # when the registry is chosen, then it is the disabled one, which knows nothing
    registry = vat_number_registry()
    assert isinstance(registry, DisabledRegistry)
    assert (registry.is_enabled, registry.check("FR", "40303265045").valid) == (False, None)


def _company(api: TestClient, vat_number: str) -> dict[str, Any]:
    app = api.app
    assert isinstance(app, FastAPI)
    act_as(app, "customers:read", "customers:write")
    body = {"kind": "company", "company_name": "Odigo", "vat_number": vat_number}
    response = api.post(CUSTOMERS, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_saving_a_company_vat_number_keeps_the_vies_answer(
    api: TestClient,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given VIES is configured
    # when a company is created with a registered number, then its number changes to one
    # whose member state's service is down
    created = _company(api, "FR 40 303 265 045")
    changed = api.patch(f"{CUSTOMERS}/{created['id']}", json={"vat_number": "DE811907980"})
    cleared = api.patch(f"{CUSTOMERS}/{created['id']}", json={"vat_number": None})

    # then the first check is kept as proof, the second says "unknown", and no number means
    # no check; VIES was asked once per number
    assert created["vat_check_valid"] is True
    assert created["vat_check_request_identifier"] == "WAPIAAAAZ5kX3nQb"
    assert created["vat_checked_at"] is not None
    assert changed.status_code == 200, changed.text
    assert (changed.json()["vat_check_valid"], changed.json()["vat_checked_at"] is None) == (
        None,
        False,
    )
    assert (cleared.json()["vat_checked_at"], cleared.json()["vat_check_valid"]) == (None, None)
    assert [call["vatNumber"] for call in fake_vies.calls] == ["40303265045", "811907980"]


def test_an_unchanged_vat_number_is_not_checked_again(
    api: TestClient,
    fake_vies: FakeVies,  # noqa: F811
) -> None:
    # given a company checked when created
    created = _company(api, "FR40303265045")

    # when another field changes
    changed = api.patch(f"{CUSTOMERS}/{created['id']}", json={"company_name": "Odigo SA"})

    # then VIES is not asked again and the proof stays
    assert changed.json()["vat_check_request_identifier"] == "WAPIAAAAZ5kX3nQb"
    assert len(fake_vies.calls) == 1


def test_without_vies_nothing_is_recorded(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # given VIES is disabled
    monkeypatch.setenv("COMPTOIR_VIES_REGISTRY", "disabled")

    # when a company is saved with a VAT number
    created = _company(api, "FR40303265045")

    # then the number is kept, without a check
    assert created["vat_number"] == "FR40303265045"
    assert (created["vat_checked_at"], created["vat_check_valid"]) == (None, None)
