"""The finance context's REST API (mounted under ``/api/v1/`` by ``config.api_urls``)."""
