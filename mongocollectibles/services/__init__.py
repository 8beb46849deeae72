"""Use cases. Each function takes a SQLModel `Session` explicitly (the caller owns the
transaction) and raises `mongocollectibles.domain.errors` exceptions; no web or UI imports."""
