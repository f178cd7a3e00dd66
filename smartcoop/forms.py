"""Showing a service's ApplicationError on the form that caused it."""

from django import forms

from smartcoop.errors import ApplicationError


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Each message on the field it names (or on the form), so the member sees where to correct."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for field, messages in error.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, str(message))
