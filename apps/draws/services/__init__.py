"""The draws context's services (import topic modules: ``from apps.draws.services import ...``).

- ``lottery``: Loteria Federal extractions, parsers of published results, operator input;
- ``lottery_source``: adapters that fetch extractions (fake, Caixa's API);
- ``draw_methods``: methods A, B, C with the neighbour search, the excluded-quota draw, bid
  tie-break order, each returning its whole trace;
- ``verifiable``: the verifiable electronic draw (commitment, snapshot, key, winners).
"""
