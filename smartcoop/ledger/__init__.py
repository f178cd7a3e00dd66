"""The double-entry ledger: the one place money moves (app label "ledger")."""
