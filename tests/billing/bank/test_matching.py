"""The matching engine on its own: each rule, the ambiguity guard and the one-target-one-line
rule, on plain records."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.billing.bank.matching import (
    AUTO_THRESHOLD,
    Candidates,
    ExpectedPayout,
    LineFacts,
    OpenBill,
    OpenInvoice,
    fold,
    match,
    name_similarity,
    one_slip_away,
    propose,
)

DUPONT_IBAN = "FR7630006000011234567890189"


def _line(key: str = "l1", amount: int = 24000, **fields: object) -> LineFacts:
    values: dict[str, object] = {
        "key": key,
        "booking_date": date(2026, 3, 10),
        "amount_minor": amount,
        "currency": "EUR",
        "label": "VIR SEPA RECU",
        **fields,
    }
    return LineFacts(**values)  # type: ignore[arg-type]


def _invoice(key: str = "i1", number: str = "FA-2026-000045", **fields: object) -> OpenInvoice:
    values: dict[str, object] = {
        "key": key,
        "number": number,
        "remaining_minor": 24000,
        "currency": "EUR",
        "buyer_name": "Jean Dupont",
        "issue_date": date(2026, 2, 20),
        "due_date": date(2026, 3, 20),
        "party_key": "customer:1",
        **fields,
    }
    return OpenInvoice(**values)  # type: ignore[arg-type]


def _keys(result_targets: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
    return set(result_targets)


def test_invoice_number_and_amount_are_applied_automatically() -> None:
    line = _line(reference="FA 2026 000045", counterpart_name="DUPONT JEAN")

    result = match([line], Candidates(invoices=[_invoice(), _invoice("i2", "FA-2026-000046")]))

    chosen = result.chosen["l1"]
    assert chosen.is_automatic
    assert _keys(chosen.target_keys) == {("invoice", "i1")}
    assert chosen.confidence >= AUTO_THRESHOLD
    assert {r.code for r in chosen.reasons} == {"invoice_number", "amount", "name", "date"}


def test_an_amount_alone_proposes_nothing() -> None:
    line = _line(counterpart_name="MARTIN PAUL")

    assert propose(line, Candidates(invoices=[_invoice()])) == []


def test_order_number_counts_like_a_reference() -> None:
    line = _line(label="VIR WEB-2026-000123 DUPONT")

    proposals = propose(line, Candidates(invoices=[_invoice(order_number="WEB-2026-000123")]))

    assert [r.code for r in proposals[0].reasons][:2] == ["order_number", "amount"]


def test_the_same_customer_owing_twice_the_same_amount_is_left_to_a_person() -> None:
    line = _line(counterpart_name="Jean DUPONT", counterpart_iban=DUPONT_IBAN)
    first = _invoice(known_ibans=frozenset({DUPONT_IBAN}))
    second = _invoice("i2", "FA-2026-000046", known_ibans=frozenset({DUPONT_IBAN}))

    result = match([line], Candidates(invoices=[first, second]))

    assert not result.chosen["l1"].is_automatic
    assert len(result.proposals["l1"]) == 2


def test_two_transfers_for_one_invoice_are_both_left_to_a_person() -> None:
    lines = [
        _line("a", counterpart_name="Jean Dupont", counterpart_iban=DUPONT_IBAN),
        _line("b", counterpart_name="Jean Dupont", counterpart_iban=DUPONT_IBAN),
    ]
    invoice = _invoice(known_ibans=frozenset({DUPONT_IBAN}))

    result = match(lines, Candidates(invoices=[invoice]))

    assert result.automatic() == []
    assert len(result.chosen) == 1  # one line keeps the suggestion, the target is not shared


def test_one_invoice_is_never_given_to_two_lines() -> None:
    lines = [_line("a", reference="FA-2026-000045"), _line("b", reference="FA-2026-000045")]

    result = match(lines, Candidates(invoices=[_invoice()]))

    holders = [key for key, p in result.chosen.items() if ("invoice", "i1") in p.target_keys]
    assert len(holders) == 1
    assert result.automatic() == []  # and neither is sure enough to be applied alone


def test_a_transfer_paying_two_invoices_settles_both() -> None:
    line = _line(amount=36000, label="REGLEMENT FACTURES FA-2026-000045 FA-2026-000046")
    invoices = [_invoice(), _invoice("i2", "FA-2026-000046", remaining_minor=12000)]

    result = match([line], Candidates(invoices=invoices))

    chosen = result.chosen["l1"]
    assert chosen.is_automatic
    assert [(a.target_key, a.amount_minor) for a in chosen.allocations] == [
        ("i1", 24000),
        ("i2", 12000),
    ]


def test_a_mistyped_number_with_the_right_amount_and_name_is_applied() -> None:
    line = _line(label="FACTURE FA-2026-000054", counterpart_name="DUPONT JEAN")

    result = match([line], Candidates(invoices=[_invoice(), _invoice("i9", "FA-2026-000999")]))

    chosen = result.chosen["l1"]
    assert chosen.is_automatic
    assert _keys(chosen.target_keys) == {("invoice", "i1")}
    assert "invoice_number_close" in {r.code for r in chosen.reasons}


def test_a_mistyped_number_that_is_another_invoice_still_goes_to_the_right_one() -> None:
    line = _line(label="FACTURE FA-2026-000054", counterpart_name="DUPONT JEAN")
    other = _invoice(
        "i2", "FA-2026-000054", remaining_minor=9900, buyer_name="Sophie Roux", party_key="c:2"
    )

    result = match([line], Candidates(invoices=[_invoice(), other]))

    assert _keys(result.chosen["l1"].target_keys) == {("invoice", "i1")}
    assert result.chosen["l1"].is_automatic


def _payout(day: int, gross: int, fee: int, account: str = "511510") -> ExpectedPayout:
    return ExpectedPayout(
        key=f"card:{account}:2026-03-{day:02d}",
        label=f"Stripe {day:02d}/03/2026",
        sales_date=date(2026, 3, day),
        gross_minor=gross,
        currency="EUR",
        expected_fee_minor=fee,
    )


def test_a_card_payout_net_of_fees_is_applied() -> None:
    line = _line(
        amount=98_250, label="VIR STRIPE PAYMENTS EUROPE PAYOUT", booking_date=date(2026, 3, 12)
    )
    payouts = [_payout(10, 100_000, 1750), _payout(11, 99_000, 1740)]

    result = match([line], Candidates(payouts=payouts))

    chosen = result.chosen["l1"]
    assert chosen.is_automatic
    assert _keys(chosen.target_keys) == {("card_payout", "card:511510:2026-03-10")}


def test_a_payout_larger_than_the_takings_is_not_a_payout() -> None:
    line = _line(amount=100_100, label="STRIPE PAYOUT", booking_date=date(2026, 3, 12))

    assert propose(line, Candidates(payouts=[_payout(10, 100_000, 1750)])) == []


def test_a_supplier_payment_with_the_bill_number() -> None:
    line = _line(
        amount=-123_456, label="VIR SEPA EMIS F-2026-118", counterpart_name="Atelier Lumière"
    )
    bill = OpenBill(
        key="b1",
        number="F-2026-118",
        remaining_minor=123_456,
        currency="EUR",
        supplier_name="ATELIER LUMIERE SARL",
        due_date=date(2026, 3, 15),
    )

    result = match([line], Candidates(bills=[bill]))

    chosen = result.chosen["l1"]
    assert chosen.is_automatic
    assert chosen.allocations[0].amount_minor == -123_456


def test_bank_fees_go_to_627000_by_their_wording() -> None:
    lines = [
        _line("f", amount=-1290, label="FRAIS TENUE DE COMPTE"),
        _line("c", amount=-4500, label="Commission CB mars"),
        _line("x", amount=-4500, label="PRLV SEPA EDF"),
    ]

    result = match(lines, Candidates())

    assert {k for k, p in result.chosen.items() if p.is_automatic} == {"f", "c"}
    assert result.chosen["f"].allocations[0].target_key == "627000"
    assert "x" not in result.chosen


def test_a_rejected_target_is_not_proposed_again() -> None:
    line = _line(reference="FA-2026-000045")

    result = match(
        [line], Candidates(invoices=[_invoice()]), rejected=frozenset({("l1", "invoice", "i1")})
    )

    assert result.proposals["l1"] == []


def test_names_compare_without_accents_order_or_titles() -> None:
    assert fold("Élodie  Bérard-Dupré") == "ELODIE BERARD DUPRE"
    assert name_similarity("M. DUPONT JEAN", "Jean Dupont") == 1.0
    assert name_similarity("SARL Atelier Lumière", "ATELIER LUMIERE") == 1.0
    assert name_similarity("Jean Dupont", "Marie Curie") < 0.6


def test_one_slip_away() -> None:
    assert one_slip_away("FA2026000045", "FACTUREFA2026000054")
    assert one_slip_away("FA2026000045", "FA202600045")
    assert not one_slip_away("FA2026000045", "FA2026000045")
    assert not one_slip_away("FA2026000045", "FA2026001145")


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.sampled_from([1000, 2000, 2400, 3600]), min_size=1, max_size=8),
    remaining=st.lists(st.sampled_from([1000, 2000, 2400]), min_size=1, max_size=6),
    cite=st.lists(st.integers(min_value=0, max_value=5), min_size=8, max_size=8),
)
def test_no_target_is_ever_given_twice(
    amounts: list[int], remaining: list[int], cite: list[int]
) -> None:
    invoices = [
        _invoice(f"i{n}", f"FA-2026-{n:06d}", remaining_minor=value, buyer_name="Jean Dupont")
        for n, value in enumerate(remaining)
    ]
    lines = [
        _line(f"l{n}", amount, reference=f"FA-2026-{cite[n]:06d}", counterpart_name="Jean Dupont")
        for n, amount in enumerate(amounts)
    ]

    result = match(lines, Candidates(invoices=invoices))

    given_out = [key for p in result.chosen.values() for key in p.target_keys]
    assert len(given_out) == len(set(given_out))
    for proposal in result.automatic():
        assert proposal.confidence >= AUTO_THRESHOLD
        assert (
            sum(a.amount_minor for a in proposal.allocations)
            <= lines[int(proposal.line_key[1:])].amount_minor
        )


def test_two_payouts_of_the_same_amount_are_told_apart_by_the_day_the_wording_names() -> None:
    # given two days of card takings that pay out the same net amount
    first = ExpectedPayout(
        key="card:511500:2026-04-09", label="CB 09/04/2026", sales_date=date(2026, 4, 9),
        gross_minor=2110, currency="EUR", expected_fee_minor=26,
    )  # fmt: skip
    second = ExpectedPayout(
        key="card:511500:2026-04-10", label="CB 10/04/2026", sales_date=date(2026, 4, 10),
        gross_minor=2110, currency="EUR", expected_fee_minor=26,
    )  # fmt: skip
    lines = [
        _line("l1", 2084, label="REMISE CB 09/04 TPE 0042187", booking_date=date(2026, 4, 10)),
        _line("l2", 2084, label="REMISE CB 10/04 TPE 0042187", booking_date=date(2026, 4, 13)),
    ]

    result = match(lines, Candidates(payouts=[first, second]))

    # then each credit pays the day its wording names, both automatically
    assert _keys(result.chosen["l1"].target_keys) == {("card_payout", first.key)}
    assert _keys(result.chosen["l2"].target_keys) == {("card_payout", second.key)}
    assert result.chosen["l1"].is_automatic
    assert result.chosen["l2"].is_automatic


def test_a_small_day_whose_fixed_fees_pass_four_percent_is_still_a_payout() -> None:
    # given a day of 1.20 of takings in one payment: 0.06 of fees is 5 %
    payout = ExpectedPayout(
        key="card:511500:2026-02-07", label="CB 07/02/2026", sales_date=date(2026, 2, 7),
        gross_minor=120, currency="EUR", expected_fee_minor=6, max_fee_minor=12,
    )  # fmt: skip
    line = _line(amount=114, label="REMISE CB 07/02 TPE 0042187", booking_date=date(2026, 2, 9))

    result = match([line], Candidates(payouts=[payout]))

    assert _keys(result.chosen["l1"].target_keys) == {("card_payout", payout.key)}
    assert result.chosen["l1"].is_automatic


def test_a_bill_cited_exactly_beats_the_bills_one_digit_away() -> None:
    # given three bills of the same supplier and amount, numbered 1, 5 and 9
    bills = [
        OpenBill(
            key=f"b{n}",
            number=f"FAC-PO-2025-00000{n}",
            remaining_minor=198,
            currency="EUR",
            supplier_name="Brûlerie du Marais",
            due_date=date(2025, 2, 8),
        )
        for n in (1, 5, 9)
    ]
    line = _line(
        amount=-198, label="VIR SEPA EMIS /A BRULERIE DU MARAIS FACTURE FAC-PO-2025-000001",
        counterpart_name="BRULERIE DU MARAIS", booking_date=date(2025, 2, 3),
    )  # fmt: skip

    result = match([line], Candidates(bills=bills))

    assert _keys(result.chosen["l1"].target_keys) == {("bill", "b1")}
    assert result.chosen["l1"].is_automatic
