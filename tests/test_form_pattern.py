"""The form pattern (templates/forms): a refused form says how many problems it has and leads to each.

A screen reader hears the field's help and error with the field (aria-describedby names their ids),
and errors are paragraphs, not list items of an unlabelled list (axe-core's `listitem` rule).
"""

import re

from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class ClaimForm(forms.Form):
    title = forms.CharField(label="Title", help_text="What the expenses were for.")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    agree = forms.BooleanField(label="I agree")

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("The Activity is closed.")


def render_form(form: forms.Form) -> str:
    with translation.override("en"):
        html = render_to_string("forms/_errors.html", {"form": form})
        for field in form:
            html += render_to_string("forms/_field.html", {"field": field})
    return html


def test_a_refused_form_counts_its_problems_and_links_to_each_field() -> None:
    html = render_form(ClaimForm(data={}))
    assert "There are 4 problems" in html
    assert '<a href="#id_title">Title: This field is required.</a>' in html
    assert '<a href="#id_kind">' in html, "a radio group is reached through its fieldset"
    assert '<a href="#id_agree">' in html
    assert "<li>The Activity is closed.</li>" in html


def test_one_problem_is_said_in_the_singular() -> None:
    form = ClaimForm(data={"title": "Salon", "kind": "a", "agree": "on"})
    html = render_form(form)
    assert "There is a problem" in html
    assert "There are" not in html


def test_a_field_is_described_by_its_help_and_its_error() -> None:
    html = render_form(ClaimForm(data={}))
    title_input = re.search(r"<input[^>]*name=\"title\"[^>]*>", html)
    assert title_input is not None
    assert 'aria-invalid="true"' in title_input.group(0)
    assert 'aria-describedby="id_title_helptext id_title_error"' in title_input.group(0)
    assert 'id="id_title_helptext"' in html and 'id="id_title_error"' in html
    assert 'id="id_kind" aria-describedby="id_kind_error"' in html, "the fieldset of choices carries it"


def test_errors_are_paragraphs_and_the_required_mark_is_spoken() -> None:
    html = render_form(ClaimForm(data={}))
    messages = re.findall(r'<div class="field-error-message" id="[^"]+">(.*?)</div>', html)
    assert len(messages) == 3
    assert all("<p>" in message and "<li>" not in message for message in messages)
    assert '<ul class="errorlist"' not in html
    assert 'role="alert"' not in html
    assert '<span class="visually-hidden"> (required)</span>' in html


def test_an_untouched_form_shows_no_summary() -> None:
    assert "error-summary" not in render_form(ClaimForm())
