"""The ledger of each group's funds, installments, charges (boleto, PIX), payments, bank
files, late charges, delinquency and refunds. No models until the finance issue.
"""
