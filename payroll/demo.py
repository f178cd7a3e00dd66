"""The demo's payroll rules: the Belgian entity pays salaries 7 calendar days after a performance ends.

Run by `seed_demo` after the platform's seed, which creates the entity (INSTALLED_APPS order).
"""

from payroll.models import SalaryPaymentRule, SalaryPaymentTerm
from smartcoop.demo import Demo
from smartcoop.models import CooperativeEntity


def seed(demo: Demo) -> None:
    # DOMAIN.md, "Money flows": in Belgium, 7 calendar days after the end of the performance.
    entity = CooperativeEntity.objects.get(country="BE")
    SalaryPaymentTerm.objects.get_or_create(
        entity=entity, defaults={"rule": SalaryPaymentRule.DAYS_AFTER_END, "days": 7}
    )
