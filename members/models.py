"""Accounts, roles and offices.

`User` is the login (an e-mail address, no username), one per person whatever their roles: a
member, an advisor, an accountant or an administrator is a user in the matching group (`Role`).
The member record of company law (shares, category, national number) hangs off the user and
comes with the Members issue. An `Office` is one of the cooperative's local offices; advisors
belong to one and, by default, act only on the members of their office.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The groups that carry permissions (created by migration 0002)."""

    MEMBER = "member", _("Member")
    ADVISOR = "advisor", _("Advisor")
    ACCOUNTANT = "accountant", _("Accountant")
    ADMINISTRATOR = "administrator", _("Administrator")


class UserManager(DjangoUserManager["User"]):
    use_in_migrations = True

    def _create_user_object(self, username: Any, email: Any, password: Any, **extra_fields: Any) -> "User":
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.password = ""
        if password is not None:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class Office(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    username = None  # type: ignore[assignment]  # e-mail is the login: no username column
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("For advisors: the office whose members they follow."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()
