"""The SmartCoop platform: settings, URLs, the Celery app, the embedded services, shared errors."""

from smartcoop.celery import app as celery_app

__all__ = ("celery_app",)
