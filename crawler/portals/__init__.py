"""Parsing: the portal contract (`base`), the families (`antara`, `generic`) and the registry of every row.

Spiders are generated from `crawler.portals.registry.REGISTRY` (`crawler/spiders/portal.py`),
so adding a portal of a known family is adding a row to its family's `PORTALS`.
"""
