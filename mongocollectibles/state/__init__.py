"""State shared by several pages (it imports only services and settings from the app)."""
