"""Loaded as a pytest plugin (`-p tests.environment`) before pytest-django reads the settings."""

import os

os.environ.setdefault("SMARTCOOP_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcoop.settings")
