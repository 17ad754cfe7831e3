"""Report definitions, exports (PDF, Excel, CSV), schedules and dashboards. Reads every
context; nobody imports it. Now: the dashboard (``/painel/`` and the home page, built in
``dashboard.py`` from the contexts' selectors); no models until the reports issue.
"""
