"""Django wiring only: settings, urls, wsgi/asgi, the Celery app and the embedded launcher."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
