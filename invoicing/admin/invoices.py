"""Admin of invoicing: invoices."""
