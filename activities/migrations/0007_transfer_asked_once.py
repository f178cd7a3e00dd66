"""A transfer request carries the key of its confirmation, unique when given: sent twice, it is asked once."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0006_events_join_the_audit_trail"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="activitytransfer",
            name="request_key",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="request key"),
        ),
        migrations.AddConstraint(
            model_name="activitytransfer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("request_key", ""), _negated=True),
                fields=("request_key",),
                name="activity_transfer_asked_once",
            ),
        ),
    ]
