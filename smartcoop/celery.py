"""The Celery application: tasks are thin wrappers that re-read by id and call one service."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")

app = Celery("smartcoop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
