"""REST API compatible with the earlier Go system's clients."""

from mongocollectibles.api.app import create_api

app = create_api()

__all__ = ["app", "create_api"]
