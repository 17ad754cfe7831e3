"""Test settings: the same engines as production (real PostgreSQL and Redis), faster hashing."""

import tempfile

from .base import *  # noqa: F403
from .base import CACHES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Each pytest-xdist worker gets its own cache prefix so parallel tests never share keys.
CACHES["default"]["KEY_PREFIX"] = "test-" + env.str("PYTEST_XDIST_WORKER", default="main")
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Uploaded documents go to a throwaway directory of this test run (apps.documents).
    "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="consorcio-test-documents-")},
    },
}
