"""Stored files, versions and generated PDFs (contracts, statements, minutes).
No models until the documents work.
"""
