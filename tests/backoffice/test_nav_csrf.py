"""The navigation registry and the CSRF token's signature."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from comptoir.backoffice import csrf
from comptoir.backoffice.nav import SECTION_SALES, SECTION_SYSTEM, NavItem, NavRegistry
from comptoir.kit.i18n import lazy_gettext as _l

SECRET = "a-test-secret-that-is-long-enough-0123456789"


def test_groups_follow_section_then_item_order() -> None:
    # given items registered out of order in two sections
    registry = NavRegistry()
    operations = registry.register(NavItem(SECTION_SYSTEM, _l("Operations"), "/admin/ops", 10))
    returns = registry.register(NavItem(SECTION_SALES, _l("Returns"), "/admin/returns", 20))
    orders = registry.register(NavItem(SECTION_SALES, _l("Orders"), "/admin/orders", 10))

    # when the navigation is built
    groups = registry.groups()

    # then sales comes before system, and orders before returns
    assert [(g.section, g.items) for g in groups] == [
        (SECTION_SALES, (orders, returns)),
        (SECTION_SYSTEM, (operations,)),
    ]


def test_the_current_item_is_the_longest_matching_path() -> None:
    # given a page and a sub-page registered
    registry = NavRegistry()
    registry.register(NavItem(SECTION_SALES, _l("Orders"), "/admin/orders"))
    drafts = registry.register(NavItem(SECTION_SALES, _l("Drafts"), "/admin/orders/drafts"))

    # when a page below the sub-page is shown, then the sub-page is current
    assert registry.current("/admin/orders/drafts/42") == drafts
    assert registry.current("/admin/ordersheet") is None


def test_two_items_cannot_share_a_path() -> None:
    # given an item on /admin/orders
    registry = NavRegistry()
    registry.register(NavItem(SECTION_SALES, _l("Orders"), "/admin/orders"))

    # when another item claims the same path, then it is refused
    with pytest.raises(ValueError, match="already uses"):
        registry.register(NavItem(SECTION_SALES, _l("Sales orders"), "/admin/orders"))
    assert [g.items[0].label for g in registry.groups()] == [_l("Orders")]


def test_an_item_outside_admin_is_refused() -> None:
    registry = NavRegistry()
    with pytest.raises(ValueError, match="under /admin/"):
        registry.register(NavItem(SECTION_SALES, _l("Orders"), "/orders"))
    assert registry.groups() == []


@given(st.text(min_size=1, max_size=40))
def test_a_token_signed_with_another_secret_is_rejected(other_secret: str) -> None:
    # given a token issued with another secret, then it does not pass for ours
    assume(other_secret != SECRET)
    assert not csrf.is_signed(csrf.new_token(other_secret), SECRET)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_a_changed_nonce_breaks_the_signature(replacement: str) -> None:
    # given a valid token whose nonce is replaced, then the signature no longer matches
    nonce, _dot, signature = csrf.new_token(SECRET).partition(".")
    assume(replacement != nonce)
    assert not csrf.is_signed(f"{replacement}.{signature}", SECRET)


def test_a_fresh_token_is_signed() -> None:
    assert csrf.is_signed(csrf.new_token(SECRET), SECRET)
