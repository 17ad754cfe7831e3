"""Local development (`make run`): debug pages on, readable console logs by default."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
