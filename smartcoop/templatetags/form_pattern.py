"""What the form pattern's templates (templates/forms) cannot compute themselves.

The error summary heads its list with the number of problems ("There are 3 problems"): one per
message, on a field or on the whole form, hidden fields included, so the heading always matches
the list under it.
"""

from django import forms, template

register = template.Library()


@register.filter
def problem_count(form: forms.BaseForm | None) -> int:
    if form is None or not form.is_bound:
        return 0
    return sum(len(messages) for messages in form.errors.values())


@register.filter
def summary_id(form: forms.BaseForm) -> str:
    """An id for the summary's heading, distinct for each form of a page (several forms, no prefix)."""
    return f"{form.prefix or type(form).__name__.lower()}-problems"
