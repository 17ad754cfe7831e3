"""The accounts REST API (``/api/v1/``) and the API platform it carries for every context.

Authentication (JWT with token families, client credentials), throttles, the default cursor
pagination, the startup check on the token blacklist, the schema extension of our JWT scheme,
and the endpoints of this context: tokens, API clients, sales channels and representatives.
"""
