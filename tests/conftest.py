from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.cache import cache

from members.models import Role, User

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    # Rate limits and TOTP replay guards live in the cache: each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db: None):
    def make(
        email: str = "amelie@example.be",
        *,
        role: Role = Role.MEMBER,
        language: str = "fr",
        verified: bool = True,
        **fields: object,
    ) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, language=language, **fields)
        user.groups.add(Group.objects.get(name=role.value))
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


@pytest.fixture
def member(make_user) -> User:
    user: User = make_user()
    return user


@pytest.fixture
def make_staff(make_user):
    """A staff user with two-factor authentication on, as the admin requires."""
    from allauth.mfa.totp.internal.auth import TOTP

    def make(email: str = "sophie@example.be", *, role: Role = Role.ADVISOR, **fields: object) -> User:
        user: User = make_user(email, role=role, is_staff=True, **fields)
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        return user

    return make


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests restore what migrations wrote (chart of accounts, roles, permissions).

    Such a test ends by emptying every table; without this, a later one would find no chart of
    accounts and no member group.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional:
            kwargs = dict(marker.kwargs) if marker is not None else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)
