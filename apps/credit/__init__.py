"""Credit analysis of contemplated members, guarantees and the release of the credit.
No models until the credit issue.
"""
