"""Admin of invoicing: peppol."""
