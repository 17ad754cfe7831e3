"""Startup check: refresh-token rotation and the blacklist must really be on.

Without simplejwt's ``token_blacklist`` app, rotation and blacklisting, a stolen refresh token
would work until it expires and logout would end nothing: the project refuses to start
(``manage.py check``, ``runserver``, ``migrate`` and the test run all run system checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"
REQUIRED_FLAGS = ("ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION")
AUTHENTICATION_CLASS = "apps.accounts.api.authentication.FamilyJWTAuthentication"


@register(Tags.security)
def check_token_blacklist(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """Errors when the blacklist app, rotation or blacklist-after-rotation is missing."""
    return token_blacklist_problems(
        installed_apps=list(settings.INSTALLED_APPS),
        jwt_settings=getattr(settings, "SIMPLE_JWT", None) or {},
        authentication_classes=list(
            settings.REST_FRAMEWORK.get("DEFAULT_AUTHENTICATION_CLASSES", [])
        ),
    )


def token_blacklist_problems(
    *,
    installed_apps: list[str],
    jwt_settings: dict[str, Any],
    authentication_classes: list[str],
) -> list[CheckMessage]:
    """The check's decision over explicit settings (E001 app, E002 flags, E003 auth class)."""
    errors: list[CheckMessage] = []
    if BLACKLIST_APP not in installed_apps:
        errors.append(
            Error(
                f"{BLACKLIST_APP} is not in INSTALLED_APPS: refresh tokens cannot be revoked.",
                hint=f"Add {BLACKLIST_APP!r} to INSTALLED_APPS and run migrate.",
                id="accounts.E001",
            )
        )
    for flag in REQUIRED_FLAGS:
        if jwt_settings.get(flag) is not True:
            errors.append(
                Error(
                    f"SIMPLE_JWT[{flag!r}] must be True: a used refresh token would stay valid.",
                    hint=f"Set SIMPLE_JWT[{flag!r}] = True.",
                    id="accounts.E002",
                )
            )
    if AUTHENTICATION_CLASS not in authentication_classes:
        errors.append(
            Error(
                f"{AUTHENTICATION_CLASS} is not an API authentication class: access tokens of "
                "revoked sessions would still be accepted.",
                hint="List it first in REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'].",
                id="accounts.E003",
            )
        )
    return errors
