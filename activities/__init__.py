"""Activities: each member's economic unit with its own budget and books.

Clients, suppliers, expenses, purchases and transfers between Activities live here too.
"""
