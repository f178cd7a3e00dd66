"""The cooperative, its offices and members are fixtures of tests/conftest.py, shared with other apps."""

from members.identity import national_number_for

national_number = national_number_for  # the tests' short name for it
