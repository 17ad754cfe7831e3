"""Assemblies, draws (sorteio), bids (lance), contemplations and the award of credit.

Public face: ``services`` (assemblies, bids, results, awards, award_count and the draw
mathematics), ``selectors`` and ``events``.
"""
