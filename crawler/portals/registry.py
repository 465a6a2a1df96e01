"""Every portal the archiver knows, by spider name: the families' rows, gathered.

Families never import this module (they only declare `PORTALS`), so the registry sits above
them and the contract (`crawler.portals.base`) below them.
"""

from __future__ import annotations

from crawler.portals import antara, generic
from crawler.portals.base import PortalDefinition


def _gather(*rows: PortalDefinition) -> dict[str, PortalDefinition]:
    registry: dict[str, PortalDefinition] = {}
    for row in rows:
        if row.name in registry:
            raise ValueError(f"portal {row.name!r} is defined twice")
        registry[row.name] = row
    return registry


REGISTRY: dict[str, PortalDefinition] = _gather(*antara.PORTALS, *generic.PORTALS)
"""Every portal the archiver knows, by spider name."""


def load_registry() -> dict[str, PortalDefinition]:
    """The registry (kept as a function for callers written before the registry was a plain module)."""
    return REGISTRY
