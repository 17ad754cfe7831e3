"""Templates, channels (email, SMS, push, in-app), preferences and opt-out, outgoing
webhooks. Reacts to domain events; nobody imports it. No models until its issue.
"""
