"""Plans and their installment fractions, groups and their lifecycle, quotas with versions
and status, sales, transfers, readjustments and the assembly calendar. No models until the
members/groups issue.
"""
