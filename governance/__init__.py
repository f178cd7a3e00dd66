"""Assemblies, resolutions, elections, ballots, petitions and minutes."""
