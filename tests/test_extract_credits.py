"""Every credit and copyright variant of the site facts, parsed by label (crawler/extract/credits.py)."""

from __future__ import annotations

import pytest

from crawler.extract.credits import caption_photographer, parse_credits, split_names, trailing_credit

CASES = [
    # (credit paragraph text with line breaks, roles, credit lines, copyright, holder, year)
    (
        "Pewarta: AHM\nEditor : Abdul Hakim Muhiddin\nCOPYRIGHT © ANTARA News Kalimantan Timur 2019",
        {"reporters": ["AHM"], "editors": ["Abdul Hakim Muhiddin"]},
        ["Pewarta: AHM", "Editor : Abdul Hakim Muhiddin"],
        ("COPYRIGHT © ANTARA News Kalimantan Timur 2019", "ANTARA News Kalimantan Timur", 2019),
    ),
    (
        "Pewarta: Teguh Imam Wibowo\nEditor : Teguh Imam Wibowo\nCOPYRIGHT © ANTARA News Kalimantan Barat 2019",
        {"reporters": ["Teguh Imam Wibowo"], "editors": ["Teguh Imam Wibowo"]},
        ["Pewarta: Teguh Imam Wibowo", "Editor : Teguh Imam Wibowo"],
        ("COPYRIGHT © ANTARA News Kalimantan Barat 2019", "ANTARA News Kalimantan Barat", 2019),
    ),
    (
        "Pewarta : Ruth Intan Sozometa Kanafi\nEditor : Triono Subagyo\nCOPYRIGHT © ANTARA 2021",
        {"reporters": ["Ruth Intan Sozometa Kanafi"], "editors": ["Triono Subagyo"]},
        ["Pewarta : Ruth Intan Sozometa Kanafi", "Editor : Triono Subagyo"],
        ("COPYRIGHT © ANTARA 2021", "ANTARA", 2021),
    ),
    (
        "Pewarta: Lukman Hakim\nEditor :\xa0\nCOPYRIGHT © ANTARA 2023",
        {"reporters": ["Lukman Hakim"], "editors": []},
        ["Pewarta: Lukman Hakim", "Editor :"],
        ("COPYRIGHT © ANTARA 2023", "ANTARA", 2023),
    ),
    (
        "Pewarta: Putu Indah SavitriEditor: Agus Salim Copyright © ANTARA 2026",
        {"reporters": ["Putu Indah Savitri"], "editors": ["Agus Salim"]},
        ["Pewarta: Putu Indah Savitri", "Editor: Agus Salim"],
        ("Copyright © ANTARA 2026", "ANTARA", 2026),
    ),
    (
        "Pewarta: AHMEditor : Ahmad WijayaCOPYRIGHT © ANTARA 2020",
        {"reporters": ["AHM"], "editors": ["Ahmad Wijaya"]},
        ["Pewarta: AHM", "Editor : Ahmad Wijaya"],
        ("COPYRIGHT © ANTARA 2020", "ANTARA", 2020),
    ),
    (
        "Pewarta: Mentari Dwi Gayati Editor: Ahmad Wijaya COPYRIGHT © ANTARA 2020",
        {"reporters": ["Mentari Dwi Gayati"], "editors": ["Ahmad Wijaya"]},
        ["Pewarta: Mentari Dwi Gayati", "Editor: Ahmad Wijaya"],
        ("COPYRIGHT © ANTARA 2020", "ANTARA", 2020),
    ),
    (
        "Reporter: Katriana\nTranslator: Mecca Yumna\nEditor: Rahmad Nasution\nCopyright © ANTARA 2026",
        {"reporters": ["Katriana"], "translators": ["Mecca Yumna"], "editors": ["Rahmad Nasution"]},
        ["Reporter: Katriana", "Translator: Mecca Yumna", "Editor: Rahmad Nasution"],
        ("Copyright © ANTARA 2026", "ANTARA", 2026),
    ),
    (
        "Penerjemah: Aria Cindyara\nEditor : Atman Ahdiat",
        {"translators": ["Aria Cindyara"], "editors": ["Atman Ahdiat"]},
        ["Penerjemah: Aria Cindyara", "Editor : Atman Ahdiat"],
        (None, None, None),
    ),
    (
        "Pewarta: Arumanto, Rahmad Nasution dan Novi Abdi\nEditor: Masnun\nFotografer: Ahmad Rifandi\nFoto: Novi Abdi",
        {
            "reporters": ["Arumanto", "Rahmad Nasution", "Novi Abdi"],
            "editors": ["Masnun"],
            "photographers": ["Ahmad Rifandi", "Novi Abdi"],
        },
        [
            "Pewarta: Arumanto, Rahmad Nasution dan Novi Abdi",
            "Editor: Masnun",
            "Fotografer: Ahmad Rifandi",
            "Foto: Novi Abdi",
        ],
        (None, None, None),
    ),
    (
        "Penulis: Rahmad Nasution & Arumanto\nRedaktur: Masnun",
        {"reporters": ["Rahmad Nasution", "Arumanto"], "editors": ["Masnun"]},
        ["Penulis: Rahmad Nasution & Arumanto", "Redaktur: Masnun"],
        (None, None, None),
    ),
]


@pytest.mark.parametrize(("text", "roles", "lines", "notice"), CASES, ids=[c[0][:40] for c in CASES])
def test_credit_variants(text: str, roles: dict[str, list[str]], lines: list[str], notice: tuple) -> None:
    block = parse_credits([text])
    for role in ("reporters", "editors", "translators", "photographers"):
        assert block.names(role) == roles.get(role, []), role
    assert block.lines == lines
    assert (block.copyright, block.copyright_holder, block.copyright_year) == notice
    assert block.problems == []


def test_credits_after_blank_lines_of_stored_copies() -> None:
    block = parse_credits(["\n\nPewarta: AHM", "Editor : Abdul Hakim Muhiddin\n\n\nCOPYRIGHT © ANTARA 2019"])
    assert (block.names("reporters"), block.names("editors"), block.copyright_year) == (
        ["AHM"],
        ["Abdul Hakim Muhiddin"],
        2019,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("COPYRIGHT © ANTARA News Kaltim", "copyright_year: no year in 'COPYRIGHT © ANTARA News Kaltim'"),
        ("Samarinda, diolah redaksi", "credits: unlabelled text 'Samarinda, diolah redaksi'"),
    ],
)
def test_unreadable_credit_text_is_a_problem_not_a_crash(text: str, problem: str) -> None:
    assert parse_credits([text]).problems == [problem]


def test_a_year_that_is_not_a_year_is_null() -> None:
    block = parse_credits(["COPYRIGHT © ANTARA 9999"])
    assert block.copyright == "COPYRIGHT © ANTARA 9999" and block.copyright_year is None


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("AHM", ["AHM"]),
        ("Novi Abdi dan Arumanto", ["Novi Abdi", "Arumanto"]),
        ("A, B dan C", ["A", "B", "C"]),
        ("Rahmad Nasution / Arumanto", ["Rahmad Nasution", "Arumanto"]),
        ("Ida & Ani", ["Ida", "Ani"]),
        ("Danu Wibowo", ["Danu Wibowo"]),
        ("", []),
    ],
)
def test_split_names(text: str, names: list[str]) -> None:
    assert split_names(text) == names


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "Kepesertaan aktif tercatat 480 ribu orang, kata Sudarwoto. (Ronny Dwikusuma Putra/Humas)",
            (
                "Kepesertaan aktif tercatat 480 ribu orang, kata Sudarwoto.",
                "(Ronny Dwikusuma Putra/Humas)",
                "Ronny Dwikusuma Putra",
            ),
        ),
        ("Produk ini tersedia di seluruh gerai. (Adv)", ("Produk ini tersedia di seluruh gerai.", "(Adv)", None)),
        ("Informasi lebih lanjut hubungi panitia. (*)", ("Informasi lebih lanjut hubungi panitia.", "(*)", None)),
        ("Upacara digelar Kamis (17/8)", None),
        ("Harga naik 5 persen (yoy)", None),
    ],
)
def test_trailing_credit(paragraph: str, expected: tuple | None) -> None:
    assert trailing_credit(paragraph) == expected


@pytest.mark.parametrize(
    ("caption", "name"),
    [
        ("Gubernur menerima jajaran BPJS. (ANTARA/Arumanto)", "Arumanto"),
        ("Suasana titik nol IKN. ANTARA FOTO/Hafidz Mubarak A/hma", "Hafidz Mubarak A"),
        ("Warga antre beras (ANTARA FOTO/M Risyal Hidayat/tom).", "M Risyal Hidayat"),
        ("Bantuan diserahkan. (ANTARA/HO-Humas Pemprov)", None),
        ("Peserta upacara HUT ke-78 RI, Kamis (17/8).", None),
    ],
)
def test_caption_photographer(caption: str, name: str | None) -> None:
    assert caption_photographer(caption) == name
