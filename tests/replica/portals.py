"""Facts about each ANTARA regional portal that the replica needs to render it.

This is the replica's own copy of the site facts (`../shared/antara-site.md`), kept apart
from `crawler/portals/antara` on purpose: the replica is the test oracle, so a wrong host
or zone in the crawler's registry must show up as a difference, not be copied into the
expectation. A data file names its portal (`antara_<slug>`); `--portal` can serve the same
articles as another region.
"""

from __future__ import annotations

from dataclasses import dataclass

ZONE_OFFSETS = {"WIB": "+07:00", "WITA": "+08:00", "WIT": "+09:00"}
"""UTC offset printed for each Indonesian zone label."""


@dataclass(frozen=True)
class PortalFacts:
    """One regional portal as the replica renders it."""

    name: str
    """Spider name, e.g. `antara_kaltim`."""
    host: str
    """Real host, e.g. `kaltim.antaranews.com`; canonical links point there."""
    region: str
    """Province, e.g. `Kalimantan Timur`; the site name is `ANTARA News <region>`."""
    zone_label: str
    """Zone printed after times by default: `WIB`, `WITA` or `WIT`."""
    city: str
    """Usual dateline place, for synthetic articles."""
    short: str
    """Short region name used in datelines (`ANTARA Kaltim`) and as default section."""

    @property
    def site_name(self) -> str:
        return f"ANTARA News {self.region}"

    @property
    def origin(self) -> str:
        return f"https://{self.host}"

    @property
    def utc_offset(self) -> str:
        return ZONE_OFFSETS[self.zone_label]


def _row(slug: str, region: str, zone: str, city: str, short: str, host: str | None = None) -> PortalFacts:
    return PortalFacts(f"antara_{slug}", f"{host or slug}.antaranews.com", region, zone, city, short)


# Hosts and zones from the site facts; spider names follow the crawler's naming
# (province abbreviation where the host is a city).
PORTALS: dict[str, PortalFacts] = {
    row.name: row
    for row in (
        _row("aceh", "Aceh", "WIB", "Banda Aceh", "Aceh"),
        _row("sumut", "Sumatera Utara", "WIB", "Medan", "Sumut"),
        _row("sumbar", "Sumatera Barat", "WIB", "Padang", "Sumbar"),
        _row("riau", "Riau", "WIB", "Pekanbaru", "Riau"),
        _row("kepri", "Kepulauan Riau", "WIB", "Tanjungpinang", "Kepri"),
        _row("jambi", "Jambi", "WIB", "Jambi", "Jambi"),
        _row("sumsel", "Sumatera Selatan", "WIB", "Palembang", "Sumsel"),
        _row("babel", "Bangka Belitung", "WIB", "Pangkalpinang", "Babel"),
        _row("bengkulu", "Bengkulu", "WIB", "Bengkulu", "Bengkulu"),
        _row("lampung", "Lampung", "WIB", "Bandarlampung", "Lampung"),
        _row("banten", "Banten", "WIB", "Serang", "Banten"),
        _row("megapolitan", "Megapolitan", "WIB", "Jakarta", "Megapolitan"),
        _row("jabar", "Jawa Barat", "WIB", "Bandung", "Jabar"),
        _row("jateng", "Jawa Tengah", "WIB", "Semarang", "Jateng"),
        _row("jogja", "Yogyakarta", "WIB", "Yogyakarta", "Jogja"),
        _row("jatim", "Jawa Timur", "WIB", "Surabaya", "Jatim"),
        _row("kalbar", "Kalimantan Barat", "WIB", "Pontianak", "Kalbar"),
        _row("kalteng", "Kalimantan Tengah", "WIB", "Palangka Raya", "Kalteng"),
        _row("bali", "Bali", "WITA", "Denpasar", "Bali"),
        _row("ntb", "Nusa Tenggara Barat", "WITA", "Mataram", "NTB", host="mataram"),
        _row("ntt", "Nusa Tenggara Timur", "WITA", "Kupang", "NTT", host="kupang"),
        _row("kalsel", "Kalimantan Selatan", "WITA", "Banjarmasin", "Kalsel"),
        _row("kaltim", "Kalimantan Timur", "WITA", "Samarinda", "Kaltim"),
        _row("kaltara", "Kalimantan Utara", "WITA", "Tanjung Selor", "Kaltara"),
        _row("sulut", "Sulawesi Utara", "WITA", "Manado", "Sulut", host="manado"),
        _row("gorontalo", "Gorontalo", "WITA", "Gorontalo", "Gorontalo"),
        _row("sulteng", "Sulawesi Tengah", "WITA", "Palu", "Sulteng"),
        _row("sultra", "Sulawesi Tenggara", "WITA", "Kendari", "Sultra"),
        _row("sulsel", "Sulawesi Selatan", "WITA", "Makassar", "Sulsel", host="makassar"),
        _row("maluku", "Maluku", "WIT", "Ambon", "Maluku", host="ambon"),
        _row("papua", "Papua", "WIT", "Jayapura", "Papua"),
        _row("papuabarat", "Papua Barat", "WIT", "Manokwari", "Papua Barat"),
    )
}


def portal_facts(name: str) -> PortalFacts:
    """The facts of portal `name`; a one-line KeyError naming the known portals otherwise."""
    try:
        return PORTALS[name]
    except KeyError:
        raise KeyError(f"unknown replica portal {name!r}; known: {', '.join(sorted(PORTALS))}") from None
