"""Who acts: staff users (the custom user model), roles, API clients, sales channels and
representatives, and authentication. Public face: ``services``, ``selectors``.
"""
