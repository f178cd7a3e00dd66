"""The mileage allowance, kept by administrators and read by advisors, whose expense claims apply it."""

from django.test import Client

from activities.models import MileageRate
from members.models import Role


def test_advisors_read_the_mileage_allowance_and_administrators_change_it(
    client: Client, make_staff, mileage_rate: MileageRate
) -> None:
    url = f"/admin/activities/mileagerate/{mileage_rate.pk}/change/"
    client.force_login(make_staff("sophie@smartcoop.be", role=Role.ADVISOR))
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"rate": "9.9999"}).status_code == 403

    client.force_login(make_staff("admin@smartcoop.be", role=Role.ADMINISTRATOR))
    assert client.post(url, {"rate": "0.4500"}).status_code == 302
    mileage_rate.refresh_from_db()
    assert str(mileage_rate.rate) == "0.4500"
