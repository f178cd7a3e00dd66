"""Dates and numbers as Belgians write them, in each language of the Espace membre.

Django's own locale formats follow each language's home country: English writes 12/05/2026 for
5 December and Dutch 5-12-2026. A Belgian reads dd/mm/yyyy whatever the language, so every
language here shows d/m/Y, accepts typed dates in that order (never month first), and keeps ISO
(yyyy-mm-dd) for the browser's date inputs. Separators stay each language's own: 1 089,00 in
French (a non-breaking space, Django's choice, kept so an amount never breaks over two lines),
1.089,00 in Dutch, 1,089.00 in English. `settings.FORMAT_MODULE_PATH` points here; a name not set
in these modules falls back to Django's module for the language.
"""
