"""Demo members: three admitted members with shares, an application waiting for an advisor, an
approved applicant whose capital call waits for payment, and a member's transfer request waiting
for approval, so every page of joining and of the register shows something.
"""

from datetime import date

from members.identity import national_number_for
from members.models import Member, MembershipApplication, Office, Role, ShareTransferRequest
from members.services import (
    ApplicationData,
    Identity,
    application_approve,
    application_submit,
    member_create,
    shares_issue,
    transfer_request_submit,
)
from smartcoop.demo import Demo, demo_person

# (user key, birth date, serial, street, postal code, city, IBAN, shares, admitted on)
ADMITTED = [
    (
        "member_fr",
        date(1988, 3, 14),
        112,
        "Rue Saint-Gilles 12",
        "4000",
        "Liège",
        "BE36068200000081",
        2,
        date(2026, 1, 6),
    ),
    ("member_nl", date(1979, 11, 2), 233, "Veldstraat 10", "9000", "Gent", "BE02363000000040", 1, date(2026, 1, 7)),
    (
        "member_en",
        date(1993, 6, 21),
        342,
        "Rue Haute 100",
        "1000",
        "Bruxelles",
        "BE37001900000028",
        4,
        date(2026, 1, 8),
    ),
]


def seed(demo: Demo) -> None:
    advisor = demo.users["advisor"]
    for key, birth, serial, street, postal_code, city, iban, quantity, admitted in ADMITTED:
        user = demo.users[key]
        member = Member.objects.filter(user=user).first()
        if member is None:
            member = member_create(
                user=user,
                identity=Identity(
                    kind="natural",
                    first_name=user.first_name,
                    last_name=user.last_name,
                    birth_date=birth,
                    national_number=national_number_for(birth, serial),
                    street=street,
                    postal_code=postal_code,
                    city=city,
                    iban=iban,
                ),
                office=user.office or Office.objects.get(code="bruxelles"),
                applied_on=date(2026, 1, 5),
                advisor=advisor,
                actor=advisor,
            )
        shares_issue(member=member, quantity=quantity, on=admitted, key=f"demo:{key}:first-shares", actor=advisor)

    # Someone who applied and waits for the Brussels advisor's decision.
    waiting = demo_person(
        demo, key="applicant_waiting", email="nora.elamrani@demo.smartcoop.be", first_name="Nora",
        last_name="El Amrani", language="fr", role=Role.MEMBER,
    )  # fmt: skip
    brussels = Office.objects.get(code="bruxelles")
    if not MembershipApplication.objects.filter(user=waiting).exists():
        application_submit(
            actor=waiting,
            data=ApplicationData(
                identity=Identity(
                    kind="natural",
                    first_name="Nora",
                    last_name="El Amrani",
                    birth_date=date(1996, 9, 30),
                    national_number=national_number_for(date(1996, 9, 30), 456),
                    street="Chaussée de Gand 55",
                    postal_code="1080",
                    city="Molenbeek-Saint-Jean",
                    iban="BE71096123456769",
                ),
                trades=("photographer",),
                shares_requested=1,
                office=brussels,
                accepts_statutes=True,
                accepts_rules=True,
                accepts_privacy=True,
            ),
            document=None,
        )

    # Someone approved whose capital call waits for the payment.
    approved = demo_person(
        demo, key="applicant_paying", email="jonas.declercq@demo.smartcoop.be", first_name="Jonas",
        last_name="De Clercq", language="nl", role=Role.MEMBER,
    )  # fmt: skip
    if not MembershipApplication.objects.filter(user=approved).exists():
        application = application_submit(
            actor=approved,
            data=ApplicationData(
                identity=Identity(
                    kind="natural",
                    first_name="Jonas",
                    last_name="De Clercq",
                    birth_date=date(1990, 2, 8),
                    national_number=national_number_for(date(1990, 2, 8), 567),
                    street="Grote Markt 3",
                    postal_code="1000",
                    city="Brussel",
                    iban="BE02363000000040",
                ),
                trades=("sound-engineer",),
                shares_requested=3,
                office=brussels,
                accepts_statutes=True,
                accepts_rules=True,
                accepts_privacy=True,
            ),
            document=None,
        )
        application_approve(application=application, actor=advisor)

    # Emma passes one share to Amélie; the advisor approves it from the transfer queue.
    emma = Member.objects.get(user=demo.users["member_en"])
    amelie = Member.objects.get(user=demo.users["member_fr"])
    if not ShareTransferRequest.objects.filter(seller=emma).exists():
        transfer_request_submit(
            seller=emma,
            buyer_number=amelie.number,
            buyer_name=amelie.last_name,
            quantity=1,
            note="Amélie takes over my share in our joint project.",
            actor=emma.user,
        )
