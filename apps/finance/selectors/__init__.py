"""The finance context's reads, one module per topic (``from apps.finance.selectors import
ledger``)."""
