"""Endpoints of the accounts API: tokens, API clients, sales channels and representatives."""
