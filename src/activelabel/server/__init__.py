"""The web server: REST API under /api/v1, the built page, the background trainer."""
