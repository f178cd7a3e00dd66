"""CODA (Febelfin standard, version 2): a file written by hand, field by field, read back; the
writer's files read back the same; and every malformed, truncated or foreign file refused with the
line at fault named, nothing written.

Positions in the comments and assertions are the standard's, counted from 1 (Python slices from 0).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from invoicing.bank.coda import coda_parse, coda_write
from invoicing.bank.data import LineData
from invoicing.bank.statements import statement_import
from invoicing.models import BankStatementLine, InvoiceStatus, LineStatus
from members.models import User
from smartcoop.errors import InvalidInput
from tests.invoicing.conftest import line
from tests.invoicing.test_matching import PAID_ON, importer, paid, statement, written

__all__ = ["importer"]  # a fixture of the matching tests, used here by name

# A statement of the cooperative's account as a Belgian bank writes it, record by record.
HEADER = "0000020032600005        0000004242SMARTCOOP SC              GKCCBEBB   00754316243 00000                                       2"  # noqa: E501
OLD = "12042BE36068200000081                  EUR0000000001000000190326SMARTCOOP SC              Compte courant                     042"  # noqa: E501
# 0001: 1 210,00 EUR received with the structured communication +++100/0000/01246+++, a 2.2 (the
# payer's bank), a 2.3 (the payer's account and name), then an information record 3.1.
M1 = "2100010000EPIB00108AWCSCTOBAINB0000000001210000200326001500001101100000001246                                      20032604201 0"  # noqa: E501
M1_2 = "2200010000                                                                                        GEBABEBB                   1 0"  # noqa: E501
M1_3 = "2300010000BE71096123456769                  EURTHEATRE DE LA BALSAMINE ASBL                                                  0 1"  # noqa: E501
M1_INFO = "3100010001EPIB00108AWCSCTOBAINB001500000Concert du 12 mars                                                                   0 0"  # noqa: E501
# 0002: 150,00 EUR globalised (position 125: 1), made of two details of 100,00 and 50,00 EUR.
M2 = "2100020000EPIB00108AWCSCTOBAINC0000000000150000200326101500000Virements groupes                                    20032604210 0"  # noqa: E501
M2_D1 = "2100020001EPIB00108AWCSCTOBAINC0000000000100000200326601500000Facture +++100/0000/01234+++ trop long               20032604201 0"  # noqa: E501
M2_D1_3 = "2300020001BE68539007547034                  EURCLAIRE MARTIN                                                                 0 0"  # noqa: E501
M2_D2 = "2100020002EPIB00108AWCSCTOBAINC0000000000050000200326601500000Cotisation                                           20032604210 0"  # noqa: E501
# 0003: 25,50 EUR paid out (sign 1 in position 32).
M3 = "2100030000EPIB00108AWCSCTOBAIND1000000000025500200326001010000Frais                                                20032604200 0"  # noqa: E501
NEW = "8042BE36068200000081                  EUR0000000002334500200326                                                                1"  # noqa: E501
FREE = "4 00010000                      Merci de votre confiance                                                                       0"  # noqa: E501
# 11 records of types 1, 2, 3 and 8; debits 25,500 and credits 1 360,000 (detail number 0000 only).
TRAILER = "9               000011000000000025500000000001360000                                                                           2"  # noqa: E501
RECORDS = [HEADER, OLD, M1, M1_2, M1_3, M1_INFO, M2, M2_D1, M2_D1_3, M2_D2, M3, NEW, FREE, TRAILER]


def coda(records: list[str]) -> bytes:
    return ("\r\n".join(records) + "\r\n").encode("cp1252")


def refusal(content: bytes) -> str:
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        coda_parse(content)
    assert list(refused.value.fields) == ["file"]
    return str(refused.value.message)


def test_the_hand_written_file_is_laid_out_as_the_standard_says() -> None:
    assert all(len(record) == 128 for record in RECORDS)
    # 0: zeros 2-5, creation date 6-11, application code 15-16, BIC 61-71, holder's number 72-82, version 128.
    assert (HEADER[1:5], HEADER[5:11], HEADER[14:16], HEADER[60:71], HEADER[71:82], HEADER[127]) == (
        "0000", "200326", "05", "GKCCBEBB   ", "00754316243", "2",
    )  # fmt: skip
    # 1: structure 2 (Belgian IBAN), IBAN in 6-36, currency 40-42, sign 43, balance 44-58, date 59-64, number 126-128.
    assert (OLD[1], OLD[5:36].strip(), OLD[39:42], OLD[42], OLD[43:58], OLD[58:64], OLD[125:128]) == (
        "2", "BE36068200000081", "EUR", "0", "000000001000000", "190326", "042",
    )  # fmt: skip
    # 2.1: sequence 3-6, detail 7-10, sign 32, amount 33-47, transaction code 54-61, structured 62,
    # type 101 in 63-65, the twelve digits 66-77, entry date 116-121, next code 126, link code 128.
    assert (M1[2:6], M1[6:10], M1[31], M1[32:47], M1[53:61], M1[61], M1[62:65], M1[65:77]) == (
        "0001", "0000", "0", "000000001210000", "00150000", "1", "101", "100000001246",
    )  # fmt: skip
    assert (M1[115:121], M1[125], M1[127]) == ("200326", "1", "0")
    # 2.3: the payer's account 11-47, name 48-82, link code 128 (the 3.1 follows).
    assert (M1_3[10:26], M1_3[44:47], M1_3[47:82].strip(), M1_3[127]) == (
        "BE71096123456769", "EUR", "THEATRE DE LA BALSAMINE ASBL", "1",
    )  # fmt: skip
    # 2.1 globalised: code 1 in position 125; its details carry detail numbers 0001 and 0002.
    assert (M2[124], M2_D1[6:10], M2_D2[6:10]) == ("1", "0001", "0002")
    # 8: account 5-41, sign 42, balance 43-57, date 58-63; 9: count 17-22, debits 23-37, credits 38-52.
    assert (NEW[4:20], NEW[41], NEW[42:57], NEW[57:63]) == ("BE36068200000081", "0", "000000002334500", "200326")
    assert (TRAILER[16:22], TRAILER[22:37], TRAILER[37:52], TRAILER[127]) == (
        "000011", "000000000025500", "000000001360000", "2",
    )  # fmt: skip


def test_the_hand_written_file_reads_as_its_movements() -> None:
    read = coda_parse(coda(RECORDS))

    assert (read.account_iban, read.statement_id, read.date) == ("BE36068200000081", "2026-042", date(2026, 3, 20))
    assert (read.opening_balance, read.closing_balance) == (Decimal("1000.00"), Decimal("2334.50"))
    assert (read.account_holder, read.bic, read.enterprise_number) == ("SMARTCOOP SC", "GKCCBEBB", "0754316243")
    first, detail_one, detail_two, paid_out = read.lines
    assert first == LineData(
        amount=Decimal("1210.00"),
        counterparty_name="THEATRE DE LA BALSAMINE ASBL",
        counterparty_iban="BE71096123456769",
        communication="+++100/0000/01246+++",
        structured=True,
        booking_date=date(2026, 3, 20),
        value_date=date(2026, 3, 20),
        bank_reference="EPIB00108AWCSCTOBAINB",
    )
    # The globalised movement is read as its two details, each a payment of its own.
    assert (detail_one.amount, detail_one.counterparty_name, detail_one.structured) == (
        Decimal("100.00"), "CLAIRE MARTIN", False,
    )  # fmt: skip
    assert detail_one.communication == "Facture +++100/0000/01234+++ trop long"
    assert (detail_two.amount, detail_two.communication) == (Decimal("50.00"), "Cotisation")
    assert (paid_out.amount, paid_out.communication) == (Decimal("-25.50"), "Frais")


def test_what_the_writer_writes_reads_back_the_same() -> None:
    data = statement(
        paid("1210.00", "+++100/0000/01246+++"),
        paid("-50.25", "Fournitures de bureau, facture 2026-118 du fournisseur habituel, merci " * 2, name="Papeterie"),
        paid("99.99", "", name="", iban=""),
    )
    content = coda_write(data)

    records = content.decode("cp1252").split("\r\n")[:-1]
    assert all(len(record) == 128 for record in records)
    assert [record[0] for record in records] == ["0", "1", "2", "2", "2", "2", "2", "2", "2", "8", "9"]
    assert records[-1][16:22] == "000009"
    read = coda_parse(content)
    assert read.statement_id == data.statement_id
    assert read.closing_balance == data.closing_balance == Decimal("2259.74")
    assert [(x.amount, x.counterparty_name, x.counterparty_iban, x.structured) for x in read.lines] == [
        (x.amount, x.counterparty_name, x.counterparty_iban, x.structured) for x in data.lines
    ]
    assert read.lines[0].communication == "+++100/0000/01246+++"
    assert read.lines[1].communication == " ".join(data.lines[1].communication.split())[:149].strip()


@pytest.mark.parametrize(
    ("records", "named"),
    [
        pytest.param([*RECORDS[:4], M1_3[:127], *RECORDS[5:]], "Line 5: a CODA record has 128 characters", id="short"),
        pytest.param(RECORDS[:-1], "without its trailer record (9): it is truncated", id="no-trailer"),
        pytest.param(RECORDS[:11], "without its new balance record (8): it is truncated", id="cut"),
        pytest.param(
            [*RECORDS[:-1], TRAILER.replace("000011", "000010")], "Line 14: the trailer counts 10", id="count"
        ),
        pytest.param(
            [*RECORDS[:-1], TRAILER.replace("000000001360000", "000000001360010")],
            "Line 14: the trailer sums",
            id="sums",
        ),
        pytest.param(
            [*RECORDS[:11], NEW.replace("2334500", "2334510"), *RECORDS[12:]],
            "do not make the new balance 2334.51",
            id="balance",
        ),
        pytest.param([*RECORDS[:6], "5" + M2[1:], *RECORDS[7:]], "Line 7: “5” is not a CODA record type", id="kind"),
        pytest.param([*RECORDS[:2], M1_2, *RECORDS[3:]], "Line 3: the record 2.2 does not continue", id="orphan"),
        pytest.param([HEADER[:127] + "1", *RECORDS[1:]], "Line 1: this is CODA version 1", id="version"),
        pytest.param(RECORDS + RECORDS, "Line 15: this file holds more than one statement", id="two"),
        pytest.param(
            [*RECORDS[:2], M1.replace("001210000", "001210005"), *RECORDS[3:]],
            "Line 3: the amount has a fraction of a cent",
            id="mills",
        ),
        pytest.param([HEADER, OLD.replace("   EUR", "   USD"), *RECORDS[2:]], "only accounts in euros", id="currency"),
        pytest.param(
            [*RECORDS[:2], M1.replace("200326001500001", "310226001500001"), *RECORDS[3:]],
            "Line 3: the value date (positions 48 to 53) is not a date",
            id="date",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_line(records: list[str], named: str) -> None:
    assert named in refusal(coda(records))


def test_a_file_that_is_not_coda_is_refused() -> None:
    assert "this is not a CODA file" in refusal(b"Date;Montant;Communication\r\n" + b"x" * 126 + b"\r\n")


def test_a_malformed_file_imports_nothing(make_invoice, client_be, importer: User) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    content = coda_write(statement(paid("1210.00", invoice.reference)))
    cut = b"\r\n".join(content.split(b"\r\n")[:-3])
    before = written()

    with pytest.raises(InvalidInput):
        statement_import(content=cut, file_name="cut.cod", actor=importer)

    assert written() == before
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_the_globalised_details_are_matched_one_by_one(make_invoice, client_be, client_person, importer: User) -> None:
    first = make_invoice(client_be, line("Concert", "1", "100"))
    second = make_invoice(client_person, line("Cours", "1", "50"))
    data = statement(paid("121.00", first.reference), paid("60.50", second.reference), day=PAID_ON)
    records = coda_write(data).decode("cp1252").split("\r\n")[:-1]
    # Rewrite the two movements as the details (0001, 0002) of one globalised movement 0001.
    movement_records = [r for r in records if r[0] == "2"]
    total = "000000000181500"
    global_record = ("2100010000" + " " * 21 + "0" + total + "200326" + "10150000" + "0" + "Virements".ljust(53)
                     + "200326" + "001" + "1" + "0" + " " + "0")  # fmt: skip
    # Details: each original movement's records get sequence 0001 and its own detail number.
    rebuilt, number = [], 0
    for record in movement_records:
        if record[:2] == "21":
            number += 1
        rebuilt.append(record[:2] + "0001" + f"{number:04d}" + record[10:])
    trailer = records[-1][:16] + f"{int(records[-1][16:22]) + 1:06d}" + records[-1][22:]
    content = coda([records[0], records[1], global_record, *rebuilt, records[-2], trailer])

    result = statement_import(content=content, file_name="global.cod", actor=importer)

    assert result.matched == 2
    assert set(BankStatementLine.objects.values_list("status", flat=True)) == {LineStatus.MATCHED}
