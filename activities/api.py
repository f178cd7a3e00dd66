"""Activities in the API."""

from django.urls import URLPattern, URLResolver

routes: list[URLPattern | URLResolver] = []
