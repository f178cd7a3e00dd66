"""The audit trail: one append-only record of who changed what, when, from where (see models.py)."""
