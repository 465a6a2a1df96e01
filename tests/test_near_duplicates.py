"""Near-duplicates on realistic pairs: syndicated copies match, different stories on one topic do not.

Threshold: estimated Jaccard similarity >= ARCHIVE_DEDUP_NEAR_THRESHOLD (0.7) of the
bodies' word 3-gram sets. A copy that differs by a dateline, credits, an editor's
sentence or a contributor tag stays above 0.85; two stories about the same event share
names and phrases but stay below 0.2.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.dedup.neardup import SHINGLE_WORDS, Fingerprinter, NearDupParams, optimal_bands_rows
from tests.storage_support import Chain, article

ROOT = Path(__file__).resolve().parent.parent

BPJS = (
    "Gubernur Kalimantan Timur Isran Noor menerima audiensi jajaran BPJS Ketenagakerjaan Cabang Samarinda "
    "di ruang kerja gubernur, Selasa. Audiensi membahas perluasan kepesertaan jaminan sosial bagi pekerja "
    "bukan penerima upah, seperti nelayan, petani dan pedagang pasar tradisional di seluruh kabupaten dan kota."
    "\n\n"
    "Kepala BPJS Ketenagakerjaan Cabang Samarinda Sudarwoto mengatakan baru sekitar 40 persen pekerja di "
    "Kalimantan Timur yang terlindungi program jaminan kecelakaan kerja dan jaminan kematian. Ia berharap "
    "pemerintah provinsi mendorong pemerintah kabupaten dan kota menganggarkan iuran bagi pekerja rentan."
    "\n\n"
    "Isran Noor menyatakan dukungan dan meminta agar sosialisasi dilakukan hingga ke desa-desa, terutama di "
    "wilayah pesisir dan pedalaman yang selama ini sulit dijangkau. Pemerintah provinsi, katanya, akan "
    "menyurati bupati dan wali kota agar program perlindungan pekerja rentan masuk dalam rencana anggaran tahun depan."
)
BPJS_OTHER = (
    "BPJS Ketenagakerjaan Cabang Balikpapan menyerahkan santunan jaminan kematian kepada ahli waris tiga "
    "nelayan yang hilang di perairan Selat Makassar, Kamis. Santunan diserahkan langsung di kantor kelurahan "
    "dengan disaksikan camat dan perwakilan dinas perikanan kota."
    "\n\n"
    "Kepala cabang mengatakan ketiga nelayan tersebut terdaftar sebagai peserta bukan penerima upah sejak awal "
    "tahun melalui program iuran yang dibayarkan pemerintah kota. Tanpa kepesertaan itu, keluarga tidak akan "
    "menerima manfaat apa pun dari negara."
    "\n\n"
    "Wali kota meminta nelayan lain segera mendaftar dan menyatakan anggaran iuran untuk pekerja rentan akan "
    "ditambah pada tahun depan. Ia juga meminta lurah mendata warga pesisir yang belum terlindungi jaminan sosial."
)
FLOOD = (
    "Banjir merendam ratusan rumah warga di Kecamatan Samarinda Utara setelah hujan deras mengguyur sejak Senin "
    "malam. Badan Penanggulangan Bencana Daerah mencatat ketinggian air mencapai satu meter di sejumlah permukiman "
    "di sepanjang aliran Sungai Karang Mumus."
    "\n\n"
    "Petugas gabungan mengevakuasi warga lanjut usia dan anak-anak menggunakan perahu karet ke posko pengungsian di "
    "masjid dan sekolah terdekat. Dapur umum didirikan untuk memenuhi kebutuhan makanan para pengungsi."
    "\n\n"
    "Wali kota meminta warga tetap waspada karena hujan diperkirakan masih turun hingga akhir pekan, sementara dinas "
    "pekerjaan umum mengerahkan alat berat untuk membersihkan sampah yang menyumbat saluran drainase."
)
FLOOD_OTHER = (
    "Pemerintah Kota Samarinda menyiapkan anggaran normalisasi Sungai Karang Mumus untuk mengurangi banjir yang "
    "hampir setiap tahun melanda Samarinda Utara. Pengerukan sedimen dan pembangunan turap ditargetkan dimulai "
    "pertengahan tahun."
    "\n\n"
    "Kepala dinas pekerjaan umum mengatakan sebagian bantaran sungai masih ditempati bangunan warga sehingga "
    "relokasi harus dilakukan bertahap dengan ganti rugi yang layak. Pendataan bangunan dilakukan bersama camat "
    "dan lurah setempat."
    "\n\n"
    "DPRD meminta pemerintah kota membuka data rencana relokasi kepada warga agar tidak menimbulkan keresahan, "
    "serta memastikan kolam retensi di hulu sungai berfungsi sebelum musim hujan berikutnya."
)


def syndicated(body: str, *, head: str = "", tail: str = "") -> str:
    return f"{head}{body}{tail}"


SAME_STORY = {
    "dateline kept in the body": syndicated(BPJS, head="Samarinda (ANTARA Kaltim) - "),
    "other portal's dateline": syndicated(BPJS, head="Jakarta (ANTARA) - "),
    "credit lines left in the body": syndicated(BPJS, tail="\n\nPewarta: AHM\nEditor : Abdul Hakim Muhiddin"),
    "contributor tag and copyright": syndicated(
        BPJS, tail=" (Ronny Dwikusuma Putra/Humas)\n\nCOPYRIGHT © ANTARA News Kalimantan Timur 2019"
    ),
    "reprint note and dateline": syndicated(
        BPJS, head="Samarinda (ANTARA) - ", tail="\n\nBerita ini telah tayang di Antaranews.com dengan judul: BPJS"
    ),
    "one sentence cut by the editor": BPJS.replace(
        " Ia berharap pemerintah provinsi mendorong pemerintah kabupaten dan kota menganggarkan iuran bagi "
        "pekerja rentan.", ""
    ),
}
DIFFERENT_STORY = {
    "two BPJS stories": (BPJS, BPJS_OTHER),
    "two Samarinda flood stories": (FLOOD, FLOOD_OTHER),
    "BPJS vs flood": (BPJS, FLOOD),
}
FINGERPRINTER = Fingerprinter(NearDupParams())


@pytest.mark.parametrize("copy", SAME_STORY.values(), ids=SAME_STORY.keys())
def test_syndicated_copy_is_similar_beyond_the_threshold(copy: str) -> None:
    a, b = FINGERPRINTER.signature(BPJS), FINGERPRINTER.signature(copy)
    assert a is not None and b is not None
    assert FINGERPRINTER.similarity(a, b) >= 0.8


@pytest.mark.parametrize(("left", "right"), DIFFERENT_STORY.values(), ids=DIFFERENT_STORY.keys())
def test_different_stories_on_one_topic_are_far_below(left: str, right: str) -> None:
    a, b = FINGERPRINTER.signature(left), FINGERPRINTER.signature(right)
    assert a is not None and b is not None
    assert FINGERPRINTER.similarity(a, b) < 0.3


def test_short_bodies_are_not_fingerprinted() -> None:
    assert FINGERPRINTER.signature("Gubernur menerima audiensi BPJS di Samarinda.") is None


def test_pipeline_links_copies_across_portals_and_runs(tmp_path: Path) -> None:
    """Earliest stored wins; copies in later runs and other portals link to it; other stories stay unlinked."""
    first = Chain.open(tmp_path, spider="antara_kaltim")
    first.feed(article(100, body=BPJS))
    first.feed(article(101, body=FLOOD))
    first.close()
    second = Chain.open(tmp_path, spider="antara_kalbar")
    linked = {
        name: second.feed(article(200 + n, portal="antara_kalbar", title=f"Salinan {n}", body=body))
        for n, (name, body) in enumerate(SAME_STORY.items())
    }
    other = [second.feed(article(300 + n, portal="antara_kalbar", body=body))
             for n, body in enumerate((BPJS_OTHER, FLOOD_OTHER))]  # fmt: skip
    second.close()
    assert {name: item.near_duplicate_of for name, item in linked.items()} == dict.fromkeys(
        SAME_STORY, "antara_kaltim:100"
    )
    assert [item.near_duplicate_of for item in other] == [None, None]


def test_an_article_is_not_its_own_near_duplicate(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path)
    chain.feed(article(100, body=BPJS))
    revised = chain.feed(article(100, body=SAME_STORY["one sentence cut by the editor"]))
    chain.close()
    assert revised.revision == 1 and revised.near_duplicate_of is None


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.7, 128), (0.5, 128), (0.8, 256), (0.9, 64), (0.6, 100)])
def test_bands_rows_agree_with_datasketch(threshold: float, num_perm: int) -> None:
    """Our banding optimum (no scipy) is the one datasketch's MinHashLSH would pick."""
    from datasketch.lsh import _optimal_param  # private: used here only as the oracle

    assert optimal_bands_rows(threshold, num_perm) == tuple(_optimal_param(threshold, num_perm, 0.5, 0.5))


@pytest.mark.e2e  # a fresh interpreter (subprocess)
def test_the_state_does_not_import_datasketch() -> None:
    code = "import sys, crawler.dedup.state, pipelines.dedup; sys.exit('datasketch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0


@pytest.mark.parametrize("num_perm", [128, 64, 100])
@pytest.mark.parametrize("body", [BPJS, FLOOD, BPJS_OTHER, "Đà Nẵng ß é " * 30], ids=["bpjs", "flood", "other", "unicode"])
def test_signatures_are_datasketchs_affine32_minhash(body: str, num_perm: int) -> None:
    """The numpy MinHash gives datasketch's signature bit for bit: stored signatures stay comparable."""
    from datasketch import MinHash  # the oracle: the format the state was built with

    words = re.findall(r"\w+", body.lower())
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}
    expected = MinHash(num_perm=num_perm, seed=1, scheme="affine32")
    expected.update_batch(list(shingles))
    ours = Fingerprinter(NearDupParams(num_perm=num_perm, min_words=1)).signature(body)
    assert ours == expected.hashvalues.astype("<u4").tobytes()


@pytest.mark.e2e  # a fresh interpreter
def test_signatures_do_not_import_datasketch() -> None:
    code = (
        "import sys; from crawler.dedup.neardup import Fingerprinter, NearDupParams;"
        f"Fingerprinter(NearDupParams()).signature({BPJS!r}); sys.exit('datasketch' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0


def test_known_bands_rows_are_the_computed_ones() -> None:
    from crawler.dedup.neardup import KNOWN_BANDS_ROWS

    for (threshold, num_perm), known in KNOWN_BANDS_ROWS.items():
        assert optimal_bands_rows(threshold, num_perm) == known
