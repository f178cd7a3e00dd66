"""Payroll rules, payslips, payment runs, SEPA files and the 7-day salary promise."""
