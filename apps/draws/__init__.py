"""Assemblies, draws (sorteio), bids (lance), contemplations and the award of credit.
No models until the assemblies issue.
"""
