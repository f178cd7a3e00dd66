"""API tokens kept as digests, ending with the password; the old never-expiring keys are dropped."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0009_transfer_and_export_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                (
                    "hint",
                    models.CharField(
                        editable=False,
                        help_text="Enough for its owner to recognise a token, never enough to use it.",
                        max_length=8,
                        verbose_name="beginning of the key",
                    ),
                ),
                ("password_stamp", models.CharField(editable=False, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
                "ordering": ["-created_at", "-id"],
            },
        ),
        # The keys of rest_framework.authtoken were stored in clear and never expired: their owners
        # ask for a new token. Its migration records go too, so adding the app back starts afresh.
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token; DELETE FROM django_migrations WHERE app = 'authtoken';",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
