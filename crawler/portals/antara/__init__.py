"""The ANTARA family (Perum LKBN ANTARA): shared defaults and one row per regional portal.

Hosts, names and zones come from `../shared/antara-site.md`. A new region is one row.
"""

from __future__ import annotations

from crawler.portals import PortalDefinition, register
from crawler.portals.antara.article import AntaraArticlePage
from crawler.portals.antara.listing import AntaraListingPage

WIB = "Asia/Jakarta"  # UTC+7: Sumatra, Java, West and Central Kalimantan
WITA = "Asia/Makassar"  # UTC+8: Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi
WIT = "Asia/Jayapura"  # UTC+9: Maluku and Papua


def antara_portal(
    slug: str, region: str, timezone: str, *, host: str | None = None, alias_hosts: tuple[str, ...] = ()
) -> PortalDefinition:
    """One ANTARA regional portal at `https://<host or slug>.antaranews.com`."""
    return PortalDefinition(
        name=f"antara_{slug}",
        site_name=f"ANTARA News {region}",
        base_url=f"https://{host or slug}.antaranews.com",
        family="antara",
        region=region,
        timezone=timezone,
        article_page=AntaraArticlePage,
        listing_page=AntaraListingPage,
        alias_hosts=alias_hosts,
    )


register(
    antara_portal("kaltim", "Kalimantan Timur", WITA),
)
