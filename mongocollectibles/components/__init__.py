"""Reusable UI pieces without page state (they may read the shared state in `state/`)."""
