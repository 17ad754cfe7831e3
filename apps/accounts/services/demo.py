"""The demo data `make run` starts with."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User


@transaction.atomic
def ensure_demo_admin(*, username: str, password: str, email: str = "") -> tuple[User, bool]:
    """Create the demo superuser, or reset its password and access if it exists.

    Idempotent: running it again never creates a second user. Returns the user and whether
    it was created.
    """
    user, created = User.objects.select_for_update().get_or_create(
        username=username,
        defaults={"email": email, "full_name": "Administrador de demonstração"},
    )
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    return user, created
