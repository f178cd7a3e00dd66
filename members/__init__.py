"""People of the cooperative: user accounts and roles, offices and advisors, members and shares."""
