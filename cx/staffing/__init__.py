"""Staffing: Erlang queueing formulas and per-interval staffing plans."""
