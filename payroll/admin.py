"""Payroll in the admin: the salary payment term of each country entity, kept by administrators."""

from django.contrib import admin

from payroll.models import SalaryPaymentTerm


@admin.register(SalaryPaymentTerm)
class SalaryPaymentTermAdmin(admin.ModelAdmin[SalaryPaymentTerm]):
    list_display = ["entity", "rule", "days"]
    list_select_related = ["entity"]
