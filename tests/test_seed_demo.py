"""`seed_demo` shows the platform with realistic data and can run again without changing anything."""

from django.core.management import call_command

from members.models import CapitalCall, Member, MembershipApplication, Office, ShareOperation, User
from smartcoop.ledger.models import Leg, Transaction
from smartcoop.ledger.verify import ledger_problems
from smartcoop.models import CooperativeEntity


def counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Office.objects.count(),
        CooperativeEntity.objects.count(),
        Transaction.objects.count(),
        Leg.objects.count(),
        Member.objects.count(),
        ShareOperation.objects.count(),
        MembershipApplication.objects.count(),
        CapitalCall.objects.count(),
    )


def test_seed_demo_loads_the_cooperative_once(db: None) -> None:
    call_command("seed_demo")
    first = counts()
    assert first[:3] == (8, 9, 1)
    assert first[3] >= 5
    assert first[5:] == (4, 4, 2, 1), "3 members issued shares, 1 approved applicant subscribed; 2 applications"
    assert set(User.objects.values_list("language", flat=True)) == {"fr", "nl", "en"}
    call_command("seed_demo")
    assert counts() == first
    assert ledger_problems() == []
