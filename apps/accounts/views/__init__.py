"""Staff pages of the accounts context, one module per topic (auth, two_factor, users, channels)."""
