"""VAT on Belgian invoices: worked examples of EN 16931's rounding, and the rules a member meets.

The VAT of an invoice is rounded once per category and rate, on the sum of the lines (BR-CO-17),
never line by line: three lines of 0.05 at 21 % carry 0.03 of VAT, not 3 x 0.01.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicing.vat import LineAmount, totals, vat_proposal
from smartcoop.errors import InvalidInput
from tests.invoicing.conftest import line

D = Decimal


def _line(quantity: str, price: str, category: str = "S", rate: str = "21") -> LineAmount:
    return LineAmount(quantity=D(quantity), unit_price=D(price), vat_category=category, vat_rate=D(rate))


def test_vat_is_rounded_once_per_rate_not_per_line():
    figures = totals([_line("1", "0.05"), _line("1", "0.05"), _line("1", "0.05")])
    assert figures.total_excl_vat == D("0.15")
    assert figures.total_vat == D("0.03")  # 0.0315, where three lines rounded alone would give 0.03 too...
    figures = totals([_line("1", "0.07")] * 3)  # ...but 3 x 0.0147 = 0.0441: 0.04 once, 0.03 line by line
    assert figures.total_vat == D("0.04")


def test_mixed_rates_make_one_breakdown_group_each():
    figures = totals([_line("2", "500"), _line("10", "3.15", rate="6"), _line("3", "12.50", rate="12")])
    assert [(g.category, g.rate, g.base, g.vat) for g in figures.groups] == [
        ("S", D("21.00"), D("1000.00"), D("210.00")),
        ("S", D("12.00"), D("37.50"), D("4.50")),
        ("S", D("6.00"), D("31.50"), D("1.89")),
    ]
    assert figures.total_incl_vat == D("1285.39")


def test_line_amount_is_quantity_times_price_rounded_half_up():
    figures = totals([_line("1.5", "33.3333"), _line("0.333", "10")])
    assert figures.lines_net == (D("50.00"), D("3.33"))


def test_reverse_charge_and_exempt_lines_carry_no_vat():
    figures = totals([_line("1", "800", "AE", "0"), _line("1", "200", "E", "0")])
    assert figures.total_vat == D("0.00")
    assert figures.total_incl_vat == D("1000.00")
    assert [g.category for g in figures.groups] == ["E", "AE"]


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3),
            st.decimals(min_value=D("0"), max_value=D("10000"), places=4),
            st.sampled_from(["21", "12", "6"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_totals_always_add_up_as_en16931_checks_them(lines):
    figures = totals([_line(str(q), str(p), rate=r) for q, p, r in lines])
    assert figures.total_excl_vat == sum(figures.lines_net, D(0))
    assert figures.total_excl_vat == sum((g.base for g in figures.groups), D(0))
    for group in figures.groups:
        assert group.vat == (group.base * group.rate / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert figures.total_incl_vat == figures.total_excl_vat + figures.total_vat


@pytest.mark.parametrize(
    ("country", "has_vat", "kind", "expected"),
    [
        ("BE", True, "services", ("S", D("21.00"))),
        ("BE", False, "services", ("S", D("21.00"))),
        ("FR", True, "services", ("AE", D("0.00"))),
        ("NL", True, "goods", ("K", D("0.00"))),
        ("DE", False, "services", ("S", D("21.00"))),
        ("US", False, "goods", ("G", D("0.00"))),
        ("CH", True, "services", ("O", D("0.00"))),
    ],
)
def test_vat_is_proposed_from_the_clients_country_and_status(country, has_vat, kind, expected):
    proposal = vat_proposal(country=country, has_vat_number=has_vat, supply_kind=kind)
    assert (proposal.category, proposal.rate) == expected


@pytest.mark.django_db
class TestRefusals:
    def test_zero_total_is_refused(self, make_invoice, client_be):
        with pytest.raises(InvalidInput) as refused:
            make_invoice(client_be, line(price="0"))
        assert "lines" in refused.value.fields

    def test_negative_price_is_refused_and_named(self, make_invoice, client_be):
        with pytest.raises(InvalidInput) as refused:
            make_invoice(client_be, line(price="-10"))
        assert "lines.0.unit_price" in refused.value.fields

    def test_goods_to_an_eu_company_need_the_supply_of_goods(self, make_invoice, client_fr):
        with pytest.raises(InvalidInput) as refused:
            make_invoice(client_fr, line(category="K", rate="0"))
        assert "supply_kind" in refused.value.fields
        invoice = make_invoice(client_fr, line(category="K", rate="0"), supply_kind="goods")
        assert invoice.total_vat == D("0.00")

    def test_an_export_is_to_a_client_outside_the_eu(self, make_invoice, client_fr, client_us):
        with pytest.raises(InvalidInput) as refused:
            make_invoice(client_fr, line(category="G", rate="0"), supply_kind="goods")
        assert "client" in refused.value.fields
        assert make_invoice(client_us, line(category="G", rate="0"), supply_kind="goods").number

    def test_an_exempt_supply_names_its_legal_basis(self, make_invoice, client_be):
        with pytest.raises(InvalidInput) as refused:
            make_invoice(client_be, line(category="E", rate="0"))
        assert "exemption_basis" in refused.value.fields
        assert make_invoice(client_be, line(category="E", rate="0"), exemption_basis="art44-2-8").number

    def test_every_fault_of_a_draft_is_told_at_once(self, make_invoice, client_be):
        with pytest.raises(InvalidInput) as refused:
            make_invoice(client_be, line(description="", rate="19"), line(quantity="0"))
        assert {"lines.0.description", "lines.0.vat_rate", "lines.1.quantity"} <= set(refused.value.fields)
