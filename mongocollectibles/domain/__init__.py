"""Domain rules: pure Python, no web, UI or database imports."""
