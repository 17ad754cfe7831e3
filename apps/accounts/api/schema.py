"""How our JWT authentication appears in the OpenAPI schema (a bearer scheme ``jwtAuth``)."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class FamilyJWTScheme(SimpleJWTScheme):
    """``FamilyJWTAuthentication`` is simplejwt's bearer scheme with revocable families."""

    target_class = "apps.accounts.api.authentication.FamilyJWTAuthentication"
    name = "jwtAuth"
