"""Seeded synthetic data files: N articles with the hand-written file's structure, spread over dates.

`python -m tests.replica.synth --count 2000 --seed 1 --out /tmp/kaltim-2000.json` writes a
data file for benchmarks or distributed tests; `generate()` returns the same document in
memory. The same (count, seed, portal, dates) always gives the same file. Variants (eras,
credit styles, datelines, captions, inserts, duplicate listing links) are drawn with the
frequencies below, so every large file exercises all of them.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.replica.data import write_file
from tests.replica.model import slugify
from tests.replica.portals import portal_facts

SECTIONS = ("Kaltim", "Ekonomi", "Politik", "Hukum", "Olahraga", "Dunia")
REPORTERS = ("Arumanto", "Novi Abdi", "Rahmad Nasution", "Ahmad Rifandi", "Lukman Hakim", "AHM", "Mentari Dwi Gayati")
EDITORS = ("Masnun", "Rahmad", "Triono Subagyo", "Abdul Hakim Muhiddin", "Ahmad Wijaya", "Atman Ahdiat")
TRANSLATORS = ("Aria Cindyara", "Yuni Arisandy Sinaga")
CONTRIBUTORS = ("Ronny Dwikusuma Putra", "Siti Nurhaliza", "Dewi Lestari")
PLACES = ("Balikpapan", "Bontang", "Tenggarong", "Sangatta", "Penajam", "Jakarta")
SUBJECTS = ("Pemerintah provinsi", "Dinas kesehatan", "Pemkot", "Polda", "Bank Indonesia", "KPU", "Otorita IKN", "DPRD")
VERBS = ("menyiapkan", "menargetkan", "meluncurkan", "mengevaluasi", "memperluas", "mempercepat", "membahas")
OBJECTS = (
    "program bantuan nelayan", "pembangunan jalan desa", "vaksinasi anak sekolah", "operasi pasar beras",
    "pengawasan tambang", "layanan air bersih", "penataan pasar tradisional", "festival budaya daerah",
    "perbaikan jembatan", "pelatihan usaha kecil", "pengendalian inflasi", "penanganan banjir",
)  # fmt: skip
TAILS = (
    "pada tahun ini", "dalam dua pekan ke depan", "di sepuluh kabupaten", "bersama pemerintah pusat",
    "dengan anggaran daerah", "sebelum akhir bulan", "untuk warga berpenghasilan rendah", "di kawasan pesisir",
)  # fmt: skip
SPEAKERS = ("kata kepala dinas", "ujar wali kota", "kata juru bicara", "ujar ketua panitia", "kata gubernur")
TAGS = ("IKN", "inflasi", "banjir", "UMKM", "pendidikan", "kesehatan", "Pilkada", "pariwisata", "tambang")


def generate(
    count: int,
    *,
    seed: int = 0,
    portal: str = "antara_kaltim",
    start: date = date(2016, 1, 1),
    end: date = date(2026, 10, 31),
    page_size: int = 20,
) -> dict[str, Any]:
    """A data document of `count` articles published between `start` and `end`."""
    rng = random.Random(seed)
    days = (end - start).days
    moments = sorted(
        datetime.combine(start + timedelta(days=rng.randrange(days + 1)), datetime.min.time())
        # Between 06:00 and 22:00, so that no zone-label case crosses a date boundary.
        + timedelta(minutes=rng.randrange(6 * 60, 22 * 60))
        for _ in range(count)
    )
    ids = _ids(rng, moments)
    articles = [_article(rng, portal, article_id, moment) for article_id, moment in zip(ids, moments, strict=True)]
    non_articles = [_non_article(rng, index, moment) for index, moment in enumerate(moments[::50])]
    return {
        "format": 1,
        "portal": {"name": portal},
        "site": {"page_size": page_size, "pagination": "path", "rss_size": 20, "repeat_across_pages": True},
        "articles": articles,
        "non_articles": non_articles,
        "generator": {"count": count, "seed": seed, "start": start.isoformat(), "end": end.isoformat()},
    }


def _ids(rng: random.Random, moments: list[datetime]) -> list[int]:
    """Increasing ids with gaps, restarting lower in 2022 (the portal's numbering was reset)."""
    ids, old, new = [], 40_000, 10_000
    for moment in moments:
        if moment.year < 2022:
            old += rng.randint(1, 9)
            ids.append(old)
        else:
            new += rng.randint(1, 9)
            ids.append(new)
    return ids


def _era(rng: random.Random, moment: datetime) -> str:
    if moment.year >= 2026:
        return "wrap-p"
    if moment.year >= 2022:
        return "wrap-br"
    # Old articles are also served in the current template.
    return "wrap-br" if rng.random() < 0.2 else "post-content"


def _sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
    if rng.random() < 0.3:
        text += f", {rng.choice(SPEAKERS)}"
    return text + "."


def _paragraphs(rng: random.Random) -> list[str]:
    return [" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(3, 6))]


def _article(rng: random.Random, portal: str, article_id: int, moment: datetime) -> dict[str, Any]:
    era = _era(rng, moment)
    title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    article: dict[str, Any] = {
        "id": article_id,
        "slug": slugify(title),
        "era": era,
        "title": title,
        "published": moment.isoformat(timespec="minutes"),
        "section": rng.choice(SECTIONS),
        "tags": rng.sample(TAGS, rng.randint(0, 3)),
        "paragraphs": _paragraphs(rng),
    }
    article.update(_zone(rng, portal, era))
    article.update(_dateline(rng, portal))
    article.update(_credits(rng, moment))
    article.update(_extras(rng, era, moment, article_id, len(article["paragraphs"]), portal_facts(portal).origin))
    return article


def _zone(rng: random.Random, portal: str, era: str) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.03 and era == "post-content":
        return {"zone_label": None}
    if roll < 0.06 and portal_facts(portal).zone_label != "WIB":
        return {"zone_label": "WIB"}
    return {}


def _dateline(rng: random.Random, portal: str) -> dict[str, Any]:
    if rng.random() < 0.1:
        return {}
    place = portal_facts(portal).city if rng.random() < 0.6 else rng.choice(PLACES)
    dateline: dict[str, Any] = {
        "place": place,
        "agency": rng.choice(("ANTARA", "ANTARA", f"ANTARA {portal_facts(portal).short}", "ANTARA News")),
        "dash": rng.choice(("-", "-", "-", "–", "—")),
    }
    if rng.random() < 0.05:
        dateline["own_line"] = True
    elif rng.random() < 0.1:
        dateline["nbsp"] = True
    return {"dateline": dateline}


def _credits(rng: random.Random, moment: datetime) -> dict[str, Any]:
    reporters = rng.sample(REPORTERS, rng.choice((1, 1, 1, 2, 3)))
    lines: list[dict[str, Any]] = [
        {"label": "Pewarta", "names": reporters, "sep": rng.choice((": ", ": ", " : ")), "last_joiner": " dan "}
    ]
    if rng.random() < 0.05:
        lines.append({"label": "Penerjemah", "names": [rng.choice(TRANSLATORS)]})
    editor = [] if rng.random() < 0.05 else [rng.choice(EDITORS)]
    lines.append({"label": "Editor", "names": editor, "sep": " :" if not editor else rng.choice((": ", " : "))})
    if rng.random() < 0.08:
        lines.append({"label": "Fotografer", "names": [rng.choice(REPORTERS)]})
    style = "br" if not editor else rng.choices(("br", "one-line", "glued"), (8, 1, 1))[0]
    result: dict[str, Any] = {"credits": lines, "credit_style": style}
    if rng.random() < 0.95:
        word = "Copyright" if rng.random() < 0.1 else "COPYRIGHT"
        holder = "site" if moment.year < 2022 and rng.random() < 0.7 else "ANTARA"
        result["copyright"] = {"holder": holder, "year": moment.year, "word": word}
    return result


def _extras(
    rng: random.Random, era: str, moment: datetime, article_id: int, paragraphs: int, origin: str
) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    if rng.random() < 0.6:
        extras["images"] = [_image(rng, moment, article_id)]
    if era != "post-content":
        related = rng.choice((0, 0, 1, 2))
        extras["related"] = [
            {
                "after": rng.randrange(paragraphs - 1),
                "title": _sentence(rng).rstrip("."),
                "url": f"{origin}/berita/{rng.randint(1000, 9999)}/baca-juga",
            }
            for _ in range(related)
        ]
        if rng.random() < 0.3:
            extras["updated"] = (moment + timedelta(minutes=rng.randint(5, 90))).isoformat(timespec="minutes")
    extras["ads"] = sorted(rng.sample(range(paragraphs), rng.randint(0, min(2, paragraphs))))
    if rng.random() < 0.1:
        extras["contributor"] = [rng.choice(CONTRIBUTORS), "Humas"]
    if rng.random() < 0.05:
        national = f"https://www.antaranews.com/berita/{article_id + 3_000_000}/berita-nasional"
        extras["reprint"] = {"title": _sentence(rng).rstrip("."), "url": national}
    links = [v for v, p in (("amp", 0.05), ("utm", 0.05), ("slug:judul-lama", 0.03)) if rng.random() < p]
    if links:
        extras["listing_links"] = links
    return extras


def _image(rng: random.Random, moment: datetime, article_id: int) -> dict[str, Any]:
    image: dict[str, Any] = {
        "url": f"https://img.antaranews.com/cache/800x533/{moment:%Y/%m/%d}/{article_id}.jpg",
        "caption": f"Suasana kegiatan {rng.choice(OBJECTS)}.",
    }
    roll = rng.random()
    if roll < 0.4:
        image.update(credit_name=rng.choice(REPORTERS))
    elif roll < 0.8:
        image.update(credit_name=rng.choice(REPORTERS), credit_style="antara-foto", credit_initials="abc")
    return image


def _non_article(rng: random.Random, index: int, moment: datetime) -> dict[str, Any]:
    kind = "foto" if index % 2 == 0 else "video"
    credit = f"ANTARA FOTO/{rng.choice(REPORTERS)}/abc" if kind == "foto" else f"({rng.choice(REPORTERS)}/Masnun)"
    return {
        "kind": kind,
        "id": 900_000 + index,
        "slug": f"{kind}-{index}",
        "title": f"{kind.capitalize()} {rng.choice(OBJECTS)}",
        "published": (moment + timedelta(minutes=7)).isoformat(timespec="minutes"),
        "caption": f"Suasana {rng.choice(OBJECTS)}.",
        "credit": credit,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.replica.synth", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--portal", default="antara_kaltim")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2016, 1, 1))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 31))
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    doc = generate(
        args.count, seed=args.seed, portal=args.portal, start=args.start, end=args.end, page_size=args.page_size
    )
    write_file(args.out, doc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
