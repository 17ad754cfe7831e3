"""Report definitions, exports (PDF, Excel, CSV), schedules and dashboards. Reads every
context; nobody imports it. No models until the reports issue.
"""
