"""A Peppol document keeps its UBL file: a supplier's e-invoice is kept as it came, the original the books keep."""

from django.db import migrations, models

import invoicing.models


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0002_accounts_and_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="peppoldocument",
            name="xml",
            field=models.FileField(blank=True, upload_to=invoicing.models._peppol_upload_to, verbose_name="UBL file"),
        ),
    ]
