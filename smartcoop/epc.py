"""EPC QR codes ("scan to pay"): one payload for every transfer the cooperative asks for.

A member's capital call and a client's invoice both ask for a SEPA credit transfer to the
cooperative's account. Each states its transfer once (`PaymentDetails`), prints it, and draws it as
an EPC QR code from this module, so what the reader types and what the banking app reads agree.

The payload follows the EPC's "Quick Response Code: Guidelines to Enable Data Capture for the
Initiation of a SEPA Credit Transfer" (EPC069-12), version 002: one element a line, in this order:
service tag BCD, version 002, character set 1 (UTF-8), identification SCT, the beneficiary's BIC
(optional in version 002 within the EEA, given all the same: it costs 11 bytes and older apps ask
for it), the beneficiary's name (at most 70 characters), the IBAN, the amount ("EUR" then at most
two decimals, from 0.01 to 999999999.99), a purpose code, the structured remittance reference
(at most 35 characters), the unstructured remittance text (at most 140), and a note shown to the
payer only (at most 70). The reference and the text exclude each other; trailing empty elements
are left out; the whole is at most 331 bytes, drawn at error correction level M (QR version 13 at
most).

Where the Belgian structured communication goes: in the unstructured remittance text, as the
capital calls always put it. The guidelines' structured reference is meant for the creditor
reference of ISO 11649 ("RF" and two check digits); a +++123/4567/89012+++ communication is not one,
and an app that checks the RF form would refuse the whole code. The text reaches the cooperative's
bank statement as written, where a +++…+++ form in a free communication is read for what it is.
"""

import base64
import io
from dataclasses import dataclass
from decimal import Decimal

import segno

from smartcoop.money import to_money

MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
MAX_BYTES = 331
NAME_LENGTH = 70
TEXT_LENGTH = 140
REFERENCE_LENGTH = 35
INFORMATION_LENGTH = 70


@dataclass(frozen=True)
class PaymentDetails:
    """What a transfer to the cooperative needs: printed on the page or document, carried by the QR code."""

    beneficiary: str
    iban: str  # compact, upper case
    bic: str
    amount: Decimal
    communication: str  # the Belgian structured communication, +++123/4567/89012+++


def payment_details(*, beneficiary: str, iban: str, bic: str, amount: Decimal, communication: str) -> PaymentDetails:
    """The details of a transfer, in the forms the QR code needs (name cut at 70, IBAN compact)."""
    return PaymentDetails(
        beneficiary=beneficiary.strip()[:NAME_LENGTH],
        iban="".join(iban.split()).upper(),
        bic="".join(bic.split()).upper(),
        amount=to_money(amount),
        communication=communication.strip(),
    )


def epc_can_carry(amount: Decimal) -> bool:
    """An EPC QR code asks for 0.01 to 999,999,999.99 EUR; outside that, only the printed details remain."""
    return MIN_AMOUNT <= amount <= MAX_AMOUNT


def epc_payload(payment: PaymentDetails, *, information: str = "") -> str:
    """The text of the QR code (EPC069-12 version 002), or ValueError for what the standard refuses."""
    if not epc_can_carry(payment.amount):
        raise ValueError(f"an EPC QR code carries 0.01 to 999999999.99 EUR, not {payment.amount}")
    if not payment.beneficiary or len(payment.beneficiary) > NAME_LENGTH:
        raise ValueError("the beneficiary's name is 1 to 70 characters")
    if not 5 <= len(payment.iban) <= 34:
        raise ValueError("an IBAN is 5 to 34 characters")
    if payment.bic and len(payment.bic) not in (8, 11):
        raise ValueError("a BIC is 8 or 11 characters")
    text = payment.communication[:TEXT_LENGTH]
    elements = [
        "BCD",
        "002",
        "1",  # UTF-8
        "SCT",
        payment.bic,
        payment.beneficiary,
        payment.iban,
        f"EUR{to_money(payment.amount):.2f}",
        "",  # purpose: none
        "",  # structured reference: ISO 11649 only (see the module's docstring)
        text,
        information.strip()[:INFORMATION_LENGTH],
    ]
    while elements[-1] == "":
        elements.pop()
    payload = "\n".join(elements)
    if len(payload.encode()) > MAX_BYTES:
        raise ValueError(f"an EPC QR code holds at most {MAX_BYTES} bytes")
    return payload


def epc_qr(payment: PaymentDetails, *, information: str = "") -> segno.QRCode:
    """The QR code itself: byte mode in UTF-8, error correction level M exactly, as the guidelines ask."""
    return segno.make_qr(epc_payload(payment, information=information), error="m", boost_error=False, encoding="utf-8")


def epc_qr_svg(payment: PaymentDetails, *, title: str, information: str = "") -> str:
    """The QR code as inline SVG for a page, titled for screen readers."""
    buffer = io.BytesIO()
    epc_qr(payment, information=information).save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True, title=title)
    return buffer.getvalue().decode()


def epc_qr_data_uri(payment: PaymentDetails, *, information: str = "") -> str:
    """The QR code as an SVG `data:` URL for a printed document (which fetches nothing else)."""
    buffer = io.BytesIO()
    epc_qr(payment, information=information).save(buffer, kind="svg", scale=1, border=4, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
