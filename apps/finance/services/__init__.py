"""The finance context's writes, one module per topic (import the topic module, e.g.
``from apps.finance.services import ledger``); each module re-exports the errors it raises.
"""
