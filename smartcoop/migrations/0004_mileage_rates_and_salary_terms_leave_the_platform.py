"""The mileage allowance and the salary payment rule leave the platform for their domain apps.

`MileageRate` becomes the activities app's (its rows and table move there: see activities 0005);
here it only leaves the platform's model state. The salary payment rule becomes payroll's
`SalaryPaymentTerm`, whose migration copies the two fields before this one drops them (it runs
before this one, so the platform names no domain app).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("smartcoop", "0003_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="MileageRate")]),
        migrations.RemoveField(model_name="cooperativeentity", name="salary_payment_days"),
        migrations.RemoveField(model_name="cooperativeentity", name="salary_payment_rule"),
    ]
