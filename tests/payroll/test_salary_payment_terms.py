"""The salary payment term per country entity: payroll's rule, kept by administrators in the admin."""

from django.test import Client

from members.models import Role
from payroll.models import SalaryPaymentRule
from smartcoop.models import CooperativeEntity


def test_the_belgian_entity_pays_salaries_seven_days_after_the_performance(cooperative: CooperativeEntity) -> None:
    term = cooperative.salary_payment_term
    assert (term.rule, term.days) == (SalaryPaymentRule.DAYS_AFTER_END, 7)


def test_administrators_change_the_salary_payment_term_and_advisors_only_read_it(
    client: Client, make_staff, cooperative: CooperativeEntity
) -> None:
    url = f"/admin/payroll/salarypaymentterm/{cooperative.salary_payment_term.pk}/change/"
    client.force_login(make_staff("sophie@smartcoop.be", role=Role.ADVISOR))
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"rule": SalaryPaymentRule.END_OF_MONTH, "days": 0}).status_code == 403

    client.force_login(make_staff("admin@smartcoop.be", role=Role.ADMINISTRATOR))
    answer = client.post(url, {"entity": cooperative.pk, "rule": SalaryPaymentRule.DAY_OF_NEXT_MONTH, "days": 10})
    assert answer.status_code == 302
    cooperative.salary_payment_term.refresh_from_db()
    assert (cooperative.salary_payment_term.rule, cooperative.salary_payment_term.days) == ("day_of_next_month", 10)
