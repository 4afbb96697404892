"""Invariants of invoice totals, whatever the lines: each rate's base is the sum of its
lines' nets, its VAT that base x rate rounded half up once, and the totals add up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from comptoir.billing.invoices import service
from comptoir.billing.invoices.models import Invoice
from comptoir.billing.invoices.schemas import InvoiceLineIn
from comptoir.billing.invoices.service.drafts import line_from

RATES = [Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("0")]

lines_strategy = st.lists(
    st.builds(
        lambda quantity, price, rate, discount_share: InvoiceLineIn(
            title="Article",
            quantity=Decimal(quantity) / 4,
            unit_price_excl_minor=price,
            vat_rate=rate,
            discount_minor=int(Decimal(quantity) / 4 * price * discount_share / 100),
        ),
        st.integers(min_value=1, max_value=400),
        st.integers(min_value=0, max_value=5_000_000),
        st.sampled_from(RATES),
        st.integers(min_value=0, max_value=100),
    ),
    min_size=1,
    max_size=12,
)


@given(lines_strategy)
def test_invoice_totals_equal_the_sum_of_their_lines_per_rate(lines: list[InvoiceLineIn]) -> None:
    invoice = Invoice(lines=[line_from(n, line, "domestic") for n, line in enumerate(lines)])

    service.compute_totals(invoice)

    bases: dict[Decimal, int] = {}
    for line in invoice.lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, 0) + line.net_minor
    assert {t.rate: t.base_minor for t in invoice.tax_totals} == bases
    for total in invoice.tax_totals:
        exact = Decimal(total.base_minor) * total.rate
        assert total.tax_minor == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert invoice.total_net_minor == sum(line.net_minor for line in invoice.lines)
    assert invoice.total_tax_minor == sum(t.tax_minor for t in invoice.tax_totals)
    assert invoice.total_gross_minor == invoice.total_net_minor + invoice.total_tax_minor


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(RATES))
def test_the_base_inside_a_gross_amount_never_overshoots_it(gross: int, percent: Decimal) -> None:
    rate = percent / 100

    base = service.base_from_gross(gross, rate)

    # base + VAT is the gross, or a minor unit below it when rounding skips that gross
    assert gross - 1 <= base + service.tax_of(base, rate) <= gross
