"""3-in-1 contracts, quotes, employment contracts and Dimona declarations."""
