"""camt.053 (ISO 20022 bank-to-customer statement): a Belgian bank's message written by hand, the
writer's messages in versions 02 and 08, and the refusals of what is not a well-formed, balanced
statement in euros. The same payments are matched as from CODA.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from invoicing.bank.camt053 import camt053_parse, camt053_write
from invoicing.bank.data import LineData
from invoicing.bank.statements import statement_import
from invoicing.models import BankStatement, InvoiceStatus, LineStatus, StatementFormat
from members.models import User
from smartcoop.errors import InvalidInput
from tests.invoicing.conftest import line
from tests.invoicing.test_matching import importer, paid, statement, written

__all__ = ["importer"]  # a fixture of the matching tests, used here by name

# As a Belgian bank sends it (camt.053.001.02): the structured communication in Strd/CdtrRefInf
# with the issuer BBA; a batch entry of two transactions; a pending entry outside the balance.
BELGIAN = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>0682000000812026079</MsgId><CreDtTm>2026-03-20T22:10:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>2026-079</Id>
      <ElctrncSeqNb>79</ElctrncSeqNb>
      <CreDtTm>2026-03-20T22:10:00</CreDtTm>
      <Acct>
        <Id><IBAN>BE36068200000081</IBAN></Id>
        <Ccy>EUR</Ccy>
        <Ownr><Nm>SMARTCOOP SC</Nm></Ownr>
        <Svcr><FinInstnId><BIC>GKCCBEBB</BIC></FinInstnId></Svcr>
      </Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-03-19</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="EUR">2334.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Dt><Dt>2026-03-20</Dt></Dt>
      </Bal>
      <Ntry>
        <Amt Ccy="EUR">1210.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-20</Dt></BookgDt><ValDt><Dt>2026-03-20</Dt></ValDt>
        <AcctSvcrRef>EPIB00108AWCSCTOBAINB</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties>
            <Dbtr><Nm>THEATRE DE LA BALSAMINE ASBL</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>BE71096123456769</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf><Strd><CdtrRefInf>
            <Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>BBA</Issr></Tp>
            <Ref>100000001246</Ref>
          </CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-20</Dt></BookgDt>
        <NtryDtls>
          <TxDtls>
            <AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls>
            <RltdPties><Dbtr><Nm>Claire Martin</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>Facture +++100/0000/01234+++</Ustrd></RmtInf>
          </TxDtls>
          <TxDtls>
            <AmtDtls><TxAmt><Amt Ccy="EUR">50.00</Amt></TxAmt></AmtDtls>
            <RmtInf><Ustrd>Cotisation</Ustrd></RmtInf>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">25.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-03-20</Dt></BookgDt>
        <AddtlNtryInf>Frais de tenue de compte</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">999.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
        <BookgDt><Dt>2026-03-21</Dt></BookgDt>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def refusal(content: bytes) -> str:
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        camt053_parse(content)
    assert list(refused.value.fields) == ["file"]
    return str(refused.value.message)


def test_a_belgian_banks_statement_reads_as_its_payments() -> None:
    read = camt053_parse(BELGIAN.encode())

    assert (read.account_iban, read.statement_id, read.date) == ("BE36068200000081", "2026-079", date(2026, 3, 20))
    assert (read.opening_balance, read.closing_balance) == (Decimal("1000.00"), Decimal("2334.50"))
    assert (read.account_holder, read.bic) == ("SMARTCOOP SC", "GKCCBEBB")
    structured, batch_one, batch_two, fees = read.lines
    assert structured == LineData(
        amount=Decimal("1210.00"),
        counterparty_name="THEATRE DE LA BALSAMINE ASBL",
        counterparty_iban="BE71096123456769",
        communication="+++100/0000/01246+++",
        structured=True,
        booking_date=date(2026, 3, 20),
        value_date=date(2026, 3, 20),
        bank_reference="EPIB00108AWCSCTOBAINB",
    )
    # A batch: one line a transaction, each a payment of its own. The pending entry is not booked.
    assert (batch_one.amount, batch_one.counterparty_name, batch_one.communication) == (
        Decimal("100.00"), "Claire Martin", "Facture +++100/0000/01234+++",
    )  # fmt: skip
    assert (batch_two.amount, batch_two.communication) == (Decimal("50.00"), "Cotisation")
    assert (fees.amount, fees.communication) == (Decimal("-25.50"), "Frais de tenue de compte")


@pytest.mark.parametrize("version", ["02", "08"])
def test_what_the_writer_writes_reads_back_the_same(version: str) -> None:
    data = statement(
        paid("1210.00", "+++100/0000/01246+++"),
        paid("-50.25", "Fournitures", name="Papeterie Dupont"),
        paid("99.99", "", name="", iban=""),
    )
    content = camt053_write(data, version=version)

    assert f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}".encode() in content
    read = camt053_parse(content)
    assert (read.account_iban, read.statement_id, read.opening_balance, read.closing_balance) == (
        data.account_iban, data.statement_id, data.opening_balance, data.closing_balance,
    )  # fmt: skip
    assert [
        (x.amount, x.counterparty_name, x.counterparty_iban, x.communication, x.structured) for x in read.lines
    ] == [(x.amount, x.counterparty_name, x.counterparty_iban, x.communication, x.structured) for x in data.lines]


def _broken(old: str, new: str) -> bytes:
    assert old in BELGIAN
    return BELGIAN.replace(old, new, 1).encode()


@pytest.mark.parametrize(
    ("content", "named"),
    [
        pytest.param(BELGIAN.encode()[:900], "not well-formed XML (line", id="truncated"),
        pytest.param(_broken("</Acct>", "</Account>"), "not well-formed XML (line 14)", id="mismatched"),
        pytest.param(
            _broken("camt.053.001.02", "camt.052.001.02"), "not a camt.053 bank statement", id="other-message"
        ),
        pytest.param(
            _broken('<Amt Ccy="EUR">2334.50</Amt>', '<Amt Ccy="EUR">2334.60</Amt>'),
            "do not make the closing balance 2334.60",
            id="balance",
        ),
        pytest.param(_broken("<Cd>CLBD</Cd>", "<Cd>ITBD</Cd>"), "closing (CLBD) booked balances", id="no-closing"),
        pytest.param(
            _broken('<Amt Ccy="EUR">25.50</Amt>', '<Amt Ccy="EUR">25.505</Amt>'),
            "Line 58: the amount of entry 3 is not an amount in cents",
            id="mills",
        ),
        pytest.param(
            _broken('<Amt Ccy="EUR">25.50</Amt>', '<Amt Ccy="USD">25.50</Amt>'), "entry 3 is in USD", id="currency"
        ),
        pytest.param(
            _broken('<Amt Ccy="EUR">50.00</Amt>', '<Amt Ccy="EUR">40.00</Amt>'),
            "the transactions of entry 2 do not add up to its amount 150.00",
            id="batch",
        ),
        pytest.param(
            _broken("<Dt>2026-03-20</Dt></BookgDt><ValDt>", "<Dt>2026-02-30</Dt></BookgDt><ValDt>"),
            "the date of entry 1 is not a date",
            id="date",
        ),
        pytest.param(_broken("</Stmt>", "</Stmt><Stmt><Id>2</Id></Stmt>"), "holds 2 statements", id="two"),
        pytest.param(b"<?xml version='1.0'?><html><body>Relev\xc3\xa9</body></html>", "its root is html", id="html"),
    ],
)
def test_a_malformed_statement_is_refused_naming_where(content: bytes, named: str) -> None:
    assert named in refusal(content)


def test_entities_are_never_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&b;</Id>'
        b"</Stmt></BkToCstmrStmt></Document>"
    )
    assert "no Id or no account IBAN" in refusal(bomb)


def test_a_camt_statement_is_matched_like_a_coda_one(make_invoice, client_be, importer: User) -> None:
    invoice = make_invoice(client_be, line("Concert", "1", "1000"))
    data = statement(paid("1210.00", invoice.reference), paid("30.00", "Don", name="Jean Dupont"))

    result = statement_import(content=camt053_write(data, version="08"), file_name="releve.xml", actor=importer)

    assert (result.statement.format, result.matched, result.to_review) == (StatementFormat.CAMT053, 1, 1)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert set(result.statement.lines.values_list("status", flat=True)) == {LineStatus.MATCHED, LineStatus.REVIEW}


def test_a_malformed_camt_statement_imports_nothing(importer: User) -> None:
    before = written()
    with pytest.raises(InvalidInput):
        statement_import(content=BELGIAN.encode()[:900], file_name="releve.xml", actor=importer)
    assert written() == before
    assert not BankStatement.objects.exists()


def test_a_file_of_neither_format_is_refused(importer: User) -> None:
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        statement_import(content=b"Date;Montant\n20/03/2026;12,00\n", file_name="export.csv", actor=importer)
    assert "neither a CODA statement nor a camt.053 statement" in str(refused.value.message)
