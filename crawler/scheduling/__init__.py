"""What to fetch: the frontier, deltafetch, conditional requests, listing-first order, politeness, limits."""
