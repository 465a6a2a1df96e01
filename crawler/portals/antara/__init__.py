"""The ANTARA family (Perum LKBN ANTARA): shared defaults and one row per regional portal.

Hosts, names and zones come from `../shared/antara-site.md`. A new region is one row.
"""

from __future__ import annotations

from crawler.portals.antara.article import AntaraArticlePage
from crawler.portals.antara.listing import AntaraListingPage
from crawler.portals.base import PortalDefinition

WIB = "Asia/Jakarta"  # UTC+7: Sumatra, Java, West and Central Kalimantan
WITA = "Asia/Makassar"  # UTC+8: Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi
WIT = "Asia/Jayapura"  # UTC+9: Maluku and Papua


def antara_portal(
    slug: str,
    region: str,
    timezone: str,
    *,
    host: str | None = None,
    site_name: str | None = None,
    alias_hosts: tuple[str, ...] = (),
) -> PortalDefinition:
    """One ANTARA portal at `https://<host or slug>.antaranews.com`, spider `antara_<slug>`."""
    return PortalDefinition(
        name=f"antara_{slug}",
        site_name=site_name or f"ANTARA News {region}",
        base_url=f"https://{host or slug}.antaranews.com",
        family="antara",
        region=region,
        timezone=timezone,
        article_page=AntaraArticlePage,
        listing_page=AntaraListingPage,
        alias_hosts=alias_hosts,
    )


# Hosts are from the site facts. Display names follow the confirmed pattern
# "ANTARA News <province>" (seen for Kalimantan Timur and Kalimantan Barat); for the other
# regions that pattern is derived, not seen. Where the host is a city (mataram, kupang,
# manado, makassar, ambon) the spider is named after the province's usual abbreviation.
PORTALS: tuple[PortalDefinition, ...] = (
    # WIB (UTC+7): Sumatra, Java, West and Central Kalimantan
    antara_portal("aceh", "Aceh", WIB),
    antara_portal("sumut", "Sumatera Utara", WIB),
    antara_portal("sumbar", "Sumatera Barat", WIB),
    antara_portal("riau", "Riau", WIB),  # host *uncertain* in the site facts
    antara_portal("kepri", "Kepulauan Riau", WIB),
    antara_portal("jambi", "Jambi", WIB),
    antara_portal("sumsel", "Sumatera Selatan", WIB, alias_hosts=("antarasumsel.com", "www.antarasumsel.com")),
    antara_portal("babel", "Bangka Belitung", WIB),
    antara_portal("bengkulu", "Bengkulu", WIB),
    antara_portal("lampung", "Lampung", WIB),
    antara_portal("banten", "Banten", WIB),
    antara_portal("megapolitan", "Megapolitan", WIB),
    antara_portal("jabar", "Jawa Barat", WIB),
    antara_portal("jateng", "Jawa Tengah", WIB),
    antara_portal("jogja", "Yogyakarta", WIB),
    antara_portal("jatim", "Jawa Timur", WIB),
    antara_portal("kalbar", "Kalimantan Barat", WIB),
    antara_portal("kalteng", "Kalimantan Tengah", WIB, alias_hosts=("antarakalteng.com", "www.antarakalteng.com")),
    # WITA (UTC+8): Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi
    antara_portal("bali", "Bali", WITA),
    antara_portal("ntb", "Nusa Tenggara Barat", WITA, host="mataram"),
    antara_portal("ntt", "Nusa Tenggara Timur", WITA, host="kupang"),
    antara_portal("kalsel", "Kalimantan Selatan", WITA),
    antara_portal("kaltim", "Kalimantan Timur", WITA),
    antara_portal("kaltara", "Kalimantan Utara", WITA, alias_hosts=("kalut.antaranews.com",)),
    antara_portal("sulut", "Sulawesi Utara", WITA, host="manado"),
    antara_portal("gorontalo", "Gorontalo", WITA),
    antara_portal("sulteng", "Sulawesi Tengah", WITA),
    antara_portal("sultra", "Sulawesi Tenggara", WITA),
    antara_portal("sulsel", "Sulawesi Selatan", WITA, host="makassar"),  # Sulawesi Barat is its /sulbar section
    # WIT (UTC+9): Maluku and Papua
    antara_portal("maluku", "Maluku", WIT, host="ambon"),  # also covers Maluku Utara
    antara_portal("papua", "Papua", WIT),
    antara_portal("papuabarat", "Papua Barat", WIT),  # gone from the 2026 menu; kept for its archive
    # The national portal shares the ANTARA templates; it prints WIB.
    antara_portal(
        "nasional",
        "Indonesia",
        WIB,
        host="www",
        site_name="ANTARA News",
        alias_hosts=("antaranews.com", "m.antaranews.com"),
    ),
)
