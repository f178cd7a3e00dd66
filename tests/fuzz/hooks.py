"""Schemathesis hooks for `make fuzz` (loaded through SCHEMATHESIS_HOOKS).

- The fuzzer may revoke any API token it likes, except the one it is fuzzing with: revoking that
  one would turn every later request of the run into a 401 and hide whatever those requests find.
- A few rules cannot be written in JSON Schema: check digits, a reference to a record that must
  exist (and be the user's), a field that another field makes required. The schema states them in
  words; the server refuses a request that breaks one with a 400 naming the field. Such a refusal
  of a request that is otherwise schema-valid is the server doing its job, not a mismatch, so the
  "schema-valid request rejected" check (ST202) lets it pass, for the operation and fields listed
  below only: any other field in the refusal, or any other operation, still fails the run.
- Two "invalid request accepted" findings (ST201) are not the server's: a mutation schemathesis
  put under a stray `fields` key while the declared properties stay valid, and an optional field
  sent empty in a form body, which form encodings read as not given (see the two functions).
"""

import json
import os
import re
from typing import Any

import schemathesis

_OWN_TOKEN_ID = os.environ.get("FUZZ_OWN_TOKEN_ID", "")

_AN_EXISTING_RECORD = "a reference: it names an existing record within the user's reach"
_A_DOCUMENT = "its bytes must be a PDF, JPEG or PNG document, whatever the part's declared type"
# "" stands for a refusal that names no field (the request as a whole).
RULES_BEYOND_THE_SCHEMA: dict[str, dict[str, str]] = {
    "POST /api/token/": {
        "": "the e-mail address and password of an account",
        "email": "an address with a domain the mail system accepts (an account's, to be of use)",
        "code": "the code the account's authenticator app shows now",
    },
    "POST /api/activities/": {
        "trades": "codes of the trade register, which the cooperative keeps",
        "": "the signed-in user is a member of the cooperative (staff accounts are not)",
    },
    "POST /api/activities/{code}/clients/": {
        "vat_number": "check digits (modulo 97); a company must have one",
    },
    "POST /api/activities/{code}/purchases/": {
        "supplier": _AN_EXISTING_RECORD,
        "category": _AN_EXISTING_RECORD,
        "advanced_by": "a holder's member number, required when the payee is a member",
        "supplier_reference": "an invoice number not booked yet for this supplier",
        "file": _A_DOCUMENT,
        "due_date": "not before the invoice date",
    },
    "POST /api/activities/{code}/transfers/": {
        "destination_code": _AN_EXISTING_RECORD,
        "amount": "at most what the Activity has available at the time",
    },
    "POST /api/expense-claims/{id}/lines/": {
        "category": _AN_EXISTING_RECORD,
        "receipt": _A_DOCUMENT + "; required unless the line is a trip paid per km",
        "amount": "above zero unless the line is a trip paid per km",
        "kilometres": "a trip is paid per km for a category that is one",
    },
    "POST /api/expense-claims/{id}/submit/": {
        "": "a claim is submitted with at least one expense",
    },
}


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    if case.method.upper() != "DELETE" or not case.path.startswith("/api/tokens/"):
        return True
    return str((case.path_parameters or {}).get("id")) != _OWN_TOKEN_ID


def _refused_fields(response: Any) -> set[str] | None:
    """The fields a refusal in the API's error shape names ({""} when it names none)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    fields = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(fields, dict):
        return None
    return set(fields) or {""}


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_TOO_SHORT = re.compile(r"in body - (?P<name>\w+): String smaller than minLength")


def _mutated_a_stray_fields_key(failure: Any, case: Any) -> bool:
    """An ST201 for a mutation schemathesis put under a `fields` key no request body declares.

    Its generator sometimes adds a `fields` object to a body (the name of the error shape's member)
    and breaks a constraint inside it, while the properties the schema does declare stay valid:
    the server rightly ignores the unknown key and accepts the request.
    """
    return (
        "fields -> " in str(getattr(failure, "message", "")) and isinstance(case.body, dict) and "fields" in case.body
    )


def _empty_form_field(failure: Any, case: Any) -> bool:
    """An ST201 for an optional field sent empty in a form body, which HTML forms do for every field left blank.

    In form encodings an empty optional field reads as "not given" (its default applies), as it
    does for a browser's form; in JSON the same "" is refused.
    """
    too_short = _TOO_SHORT.search(str(getattr(failure, "message", "")))
    return (
        too_short is not None
        and str(case.media_type or "").startswith(_FORM_TYPES)
        and isinstance(case.body, dict)
        and case.body.get(too_short["name"]) == ""
    )


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a 400 that applies only rules the schema cannot state (module docstring)."""
    code = getattr(failure, "code", "")
    if code == "ST201":
        return not (_mutated_a_stray_fields_key(failure, case) or _empty_form_field(failure, case))
    if code != "ST202" or response.status_code != 400:
        return True
    rules = RULES_BEYOND_THE_SCHEMA.get(case.operation.label, {})
    refused = _refused_fields(response)
    return refused is None or not refused <= set(rules)
