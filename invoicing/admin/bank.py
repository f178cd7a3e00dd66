"""Admin of invoicing: bank."""
