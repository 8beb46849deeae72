"""Use cases. The async use cases take their unit of work (`uow`) from their caller and pass it
on; building blocks inside one transaction take a SQLModel `Session` explicitly (the caller
owns the transaction). They raise `mongocollectibles.domain.errors` exceptions; no web or UI
imports, and no import of `mongocollectibles.wiring` (the entrypoints' app-wide unit of work)."""
