"""Article pages in the markup of their template era, after `tests/fixtures/antara/README.md`.

Desktop eras (`post-content` and its `post-content-footer` variant; `wrap__article-detail` with
text+`<br>` bodies or with `<p>` bodies; `unknown`, a template no layout knows) and AMP. The page
is built from the article's parts, so the noise a parser must drop (dateline prefix, ads, 'Baca
juga', captions, credits, copyright, disclaimer, reprint line) is exactly what the data file says it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from tests.replica.formats import esc, indonesian_date, iso, json_ld
from tests.replica.model import Article, SiteData, slugify

DISCLAIMER = (
    "Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis untuk AI "
    "di situs web ini tanpa izin tertulis dari Kantor Berita ANTARA."
)
AD_SCRIPT = "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script>"
AD_INS = (
    '<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-0000000000000000" data-ad-slot="1"></ins>'
)
NAV_REGIONS = ("kalbar", "kalsel", "kalteng", "kaltara", "sumsel")


def canonical(data: SiteData, article: Article) -> str:
    return f"{data.portal.origin}/berita/{article.id}/{article.slug}"


def render_article(data: SiteData, article: Article) -> str:
    """The desktop page of `article` in its era's template."""
    if article.era == "post-content":
        return _page(data, article, _head(data, article, with_ld=False), _post_content_body(data, article))
    if article.era == "post-content-footer":
        return _page(data, article, _head(data, article, with_ld=False), _post_content_footer_body(data, article))
    if article.era == "unknown":
        return _page(data, article, _unknown_head(data, article), _unknown_body(data, article))
    return _page(data, article, _head(data, article, with_ld=True), _wrap_body(data, article))


# --- shared parts ------------------------------------------------------------------------


def _page(data: SiteData, article: Article, head: str, main: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="id">\n<head>\n{head}\n</head>\n<body>\n{_header(data)}\n'
        f'<div class="container">\n<div class="row">\n<div class="col-md-8">\n{main}\n</div>\n'
        f"{_sidebar(data, article)}\n</div>\n</div>\n"
        '<footer class="footer"><p>Kantor Berita ANTARA</p></footer>\n</body>\n</html>\n'
    )


def _header(data: SiteData) -> str:
    regions = "".join(f'<li><a href="https://{slug}.antaranews.com">{slug.upper()}</a></li>' for slug in NAV_REGIONS)
    logo = f'<a class="logo" href="/">{esc(data.portal.site_name)}</a>'
    return f'<header class="header">{logo}<ul class="nav">{regions}</ul></header>'


def _sidebar(data: SiteData, article: Article) -> str:
    """'Terpopuler' links to other articles: page noise a parser must not take for the article."""
    others = [a for a in data.newest_first[:4] if a.id != article.id][:3]
    items = "".join(f'<li><a href="{esc(canonical(data, a))}">{esc(a.title)}</a></li>' for a in others)
    return f'<aside class="col-md-4 sidebar"><h4>Terpopuler</h4><ul class="popular">{items}</ul></aside>'


def _head(data: SiteData, article: Article, *, with_ld: bool) -> str:
    url, origin = esc(canonical(data, article)), esc(data.portal.origin)
    lines = [
        '<meta charset="utf-8">',
        f"<title>{esc(article.title)} - {esc(data.portal.site_name)}</title>",
        f'<meta name="description" content="{esc(article.paragraphs[0][:150])}">',
        f'<meta property="og:title" content="{esc(article.title)}">',
        *(f'<meta property="og:image" content="{esc(image.url)}">' for image in article.images[:1]),
        f'<link rel="canonical" href="{url}">',
        f'<link rel="amphtml" href="{origin}/amp/berita/{article.id}/{esc(article.slug)}">',
        f'<link rel="alternate" type="application/rss+xml" title="RSS" href="{origin}/rss/terkini.xml">',
    ]
    if with_ld:
        lines += _wrap_meta(data, article)
    return "\n".join(lines)


def _wrap_meta(data: SiteData, article: Article) -> list[str]:
    published = iso(article.instant(data.portal))
    lines = [f'<meta property="article:published_time" content="{published}">']
    if article.updated:
        lines.append(f'<meta property="article:modified_time" content="{iso(_updated(data, article))}">')
    lines.append(f'<meta property="article:section" content="{esc(article.section)}">')
    lines.append(f'<script type="application/ld+json">{json_ld(news_article_ld(data, article))}</script>')
    return lines


def _updated(data: SiteData, article: Article) -> datetime:
    assert article.updated is not None
    return article.updated.replace(tzinfo=article.offset(data.portal))


def news_article_ld(data: SiteData, article: Article) -> dict[str, object]:
    """The JSON-LD `NewsArticle`; times carry the printed zone's offset so both sources agree."""
    ld: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": iso(article.instant(data.portal)),
    }
    if article.updated:
        ld["dateModified"] = iso(_updated(data, article))
    reporters = [{"@type": "Person", "name": name} for name in article.credited("reporters")]
    if reporters:
        ld["author"] = reporters[0] if len(reporters) == 1 else reporters
    editors = article.credited("editors")
    if editors:
        ld["editor"] = {"@type": "Person", "name": editors[0]}
    if article.images:
        ld["image"] = {"@type": "ImageObject", "url": article.images[0].url}
    ld["publisher"] = {"@type": "Organization", "name": data.portal.site_name}
    ld["mainEntityOfPage"] = canonical(data, article)
    return ld


def date_text(data: SiteData, article: Article) -> str:
    """The date line as printed, e.g. `Selasa, 3 September 2019 15:20 WITA`."""
    return indonesian_date(article.published, article.zone_label)


# --- body blocks --------------------------------------------------------------------------


def paragraph_html(article: Article, index: int) -> str:
    """Paragraph `index` with its inline tags, dateline prefix and trailing contributor credit."""
    text = esc(article.paragraphs[index])
    for inline in (i for i in article.inline if i.p == index):
        target = esc(inline.text)
        if inline.tag == "a":
            wrapped = f'<a href="{esc(inline.href or "#")}">{target}</a>'
        else:
            wrapped = f"<{inline.tag}>{target}</{inline.tag}>"
        text = text.replace(target, wrapped, 1)
    if index == 0 and article.dateline and not article.dateline.own_line:
        text = dateline_html(article) + text
    if index == len(article.paragraphs) - 1 and article.contributor:
        text += esc(" ({}/{})".format(*article.contributor))
    return text


def dateline_html(article: Article) -> str:
    dateline = article.dateline
    assert dateline is not None
    space = "&nbsp;" if dateline.nbsp else " "
    tail = "" if dateline.own_line else space
    return f"{esc(dateline.place)} ({esc(dateline.agency)}) {esc(dateline.dash)}{tail}"


def body_blocks(article: Article) -> Iterator[tuple[str, str]]:
    """The body in page order as (kind, html): `p`, `related`, `ad`, `reprint`."""
    if article.dateline and article.dateline.own_line:
        yield "p", dateline_html(article)
    for index in range(len(article.paragraphs)):
        yield "p", paragraph_html(article, index)
        for link in (r for r in article.related if r.after == index):
            yield (
                "related",
                f'<span class="baca-juga"><b>Baca juga:</b> <a href="{esc(link.url)}">{esc(link.title)}</a></span>',
            )
        if index in article.ads:
            yield "ad", ""
    if article.reprint:
        link = article.reprint
        yield (
            "reprint",
            f'Berita ini telah tayang di Antaranews.com dengan judul: <a href="{esc(link.url)}">{esc(link.title)}</a>',
        )


def credits_html(data: SiteData, article: Article) -> str:
    """The credits paragraph's content in the article's credit style."""
    lines = [esc(line.text) + ("" if line.names else "&nbsp;") for line in article.credits]
    joined = {"br": "<br>", "one-line": " ", "glued": ""}[article.credit_style].join(lines)
    if article.copyright and article.copyright.placement == "block":
        line = esc(article.copyright.text(data.portal))
        glue = "<br>" if article.credit_style == "br" else " "
        joined = f"{joined}{glue}{line}" if joined else line
    return joined


def _separate_copyright(data: SiteData, article: Article) -> str:
    if article.copyright and article.copyright.placement == "separate":
        return f'<p class="text-muted small">{esc(article.copyright.text(data.portal))}</p>'
    return ""


def _tag_items(article: Article) -> str:
    return "".join(f'<li><a href="/tag/{slugify(tag)}">{esc(tag)}</a></li>' for tag in article.tags)


# --- era: post-content ------------------------------------------------------------------


def _post_content_body(data: SiteData, article: Article) -> str:
    pics = "".join(
        f'<div class="pic"><img src="{esc(i.url)}" alt="{esc(article.title)}">'
        f'<p class="wp-caption-text">{esc(i.full_caption)}</p></div>\n'
        for i in article.images
    )
    blocks = "\n".join(_br_block(kind, text, ad=AD_SCRIPT) for kind, text in body_blocks(article))
    tags = f'<div class="tags-wrapper"><ul class="tags">{_tag_items(article)}</ul></div>' if article.tags else ""
    return (
        f'<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/{article.section_slug}">'
        f"{esc(article.section)}</a></li></ol>\n"
        '<article class="post-wrapper">\n<header class="post-header">\n'
        f'<h1 class="post-title">{esc(article.title)}</h1>\n'
        '<p class="simple-share"><span class="article-date"><i class="fa fa-clock-o"></i> '
        f"{esc(date_text(data, article))}</span></p>\n"
        f'</header>\n<div class="post-content clearfix font17">\n{pics}{blocks}\n'
        f'<p class="text-muted mt-2 small">{credits_html(data, article)}</p>\n</div>\n'
        f"{_separate_copyright(data, article)}\n{tags}\n</article>"
    )


def _post_content_footer_body(data: SiteData, article: Article) -> str:
    """The older template as on the real banten page of 2022: the photo box and a pull quote in the header,
    a `<br><br>` body with `&nbsp;`, credits and copyright in `footer.post-meta > div.tags-wrapper`
    (the class reused for credits), the tag list in a second `tags-wrapper` printed with `#`."""
    pics = "".join(
        f'<div class="wp-caption"><img src="{esc(i.url)}" alt="{esc(article.title)}">'
        f'<p class="wp-caption-text">{esc(i.full_caption)}</p></div>\n'
        for i in article.images[:1]
    )
    quote = f'<div class="quote_old">{esc(article.paragraphs[-1])}</div>\n' if len(article.paragraphs) > 1 else ""
    blocks = "\n".join(AD_SCRIPT if kind == "ad" else f"{text}&nbsp;<br><br>" for kind, text in body_blocks(article))
    tags = "".join(f'<li><a href="/tag/{slugify(tag)}">#{esc(tag)}</a></li>' for tag in article.tags)
    tag_list = f'<div class="tags-wrapper"><ul class="tags">{tags}</ul></div>\n' if article.tags else ""
    return (
        f'<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/{article.section_slug}">'
        f"{esc(article.section)}</a></li></ol>\n"
        '<article class="post-wrapper">\n<header class="post-header">\n'
        f'<h1 class="post-title">{esc(article.title)}</h1>\n'
        '<p class="simple-share"><span class="article-date"><i class="fa fa-clock-o"></i> '
        f"{esc(date_text(data, article))}</span></p>\n{pics}{quote}"
        f'</header>\n<div class="post-content clearfix font17">\n{blocks}\n&nbsp;</div>\n'
        f'<footer class="post-meta">\n<div class="tags-wrapper">{credits_html(data, article)}</div>\n{tag_list}</footer>\n'
        "</article>"
    )


# --- era: unknown (a made-up future template) ------------------------------------------------


def _unknown_head(data: SiteData, article: Article) -> str:
    """OpenGraph and `article:published_time` only (no JSON-LD): what a redesign keeps of the head."""
    return "\n".join(
        [
            _head(data, article, with_ld=False),
            '<meta property="og:type" content="article">',
            f'<meta property="article:published_time" content="{iso(article.instant(data.portal))}">',
        ]
    )


def _unknown_body(data: SiteData, article: Article) -> str:
    """No class any era layout knows (`tests/fixtures/antara_unknown/`): `<p>` paragraphs in `div.isi-berita`,
    the date zone-less in `div.waktu` under the title, credits and copyright in `div.kredit` after the text.
    No tags, images, 'Baca juga' or section on the page: the fallback has none to find."""
    paragraphs = "\n".join(f"<p>{text}</p>" for kind, text in body_blocks(article) if kind == "p")
    return (
        '<main class="detail-berita">\n<article class="berita">\n'
        f'<h1 class="judul-berita">{esc(article.title)}</h1>\n'
        f'<div class="waktu">{esc(date_text(data, article))}</div>\n'
        f'<div class="isi-berita">\n{paragraphs}\n</div>\n'
        f'<div class="kredit">{credits_html(data, article)}</div>\n'
        "</article>\n</main>"
    )


def _br_block(kind: str, text: str, *, ad: str) -> str:
    return ad if kind == "ad" else f"{text}<br><br>"


# --- era: wrap__article-detail (text+<br> or <p> bodies) ----------------------------------------


def _wrap_body(data: SiteData, article: Article) -> str:
    if article.era == "wrap-p":
        blocks = "\n".join(
            AD_INS + AD_SCRIPT if kind == "ad" else f"<p>{text}</p>" for kind, text in body_blocks(article)
        )
    else:
        blocks = "\n".join(_br_block(kind, text, ad=AD_INS + AD_SCRIPT) for kind, text in body_blocks(article))
    disclaimer = f'<p class="text-muted small">{DISCLAIMER}</p>\n' if article.disclaimer else ""
    tags = f'<ul class="blog-tags">{_tag_items(article)}</ul>\n' if article.tags else ""
    return (
        '<div class="wrap__article-detail">\n'
        '<ul class="breadcrumbs"><li class="breadcrumbs__item"><a href="/">Beranda</a></li>'
        f'<li class="breadcrumbs__item"><a href="/{article.section_slug}">{esc(article.section)}</a></li></ul>\n'
        f'<div class="wrap__article-detail-title"><h1>{esc(article.title)}</h1></div>\n'
        '<div class="wrap__article-detail-info"><ul class="list-inline"><li class="list-inline-item mr-2">'
        '<span class="text-secondary font-weight-normal"><i class="fa fa-clock-o"></i> '
        f"{esc(date_text(data, article))}</span>"
        f"</li></ul></div>\n{_wrap_image(article)}"
        f'<div class="wrap__article-detail-content post-content">\n{blocks}\n'
        f'<p class="text-muted mt-2 small">{credits_html(data, article)}</p>\n'
        f"{_separate_copyright(data, article)}{disclaimer}{tags}</div>\n</div>"
    )


def _wrap_image(article: Article) -> str:
    if not article.images:
        return ""
    image = article.images[0]
    return (
        f'<div class="wrap__article-detail-image"><figure><img src="{esc(image.url)}" alt="{esc(article.title)}">'
        f"<figcaption>{esc(image.full_caption)}</figcaption></figure></div>\n"
    )


# --- AMP -------------------------------------------------------------------------------------


def render_amp(data: SiteData, article: Article) -> str:
    """The AMP copy (`/amp/berita/...`): simpler markup, credits as separate text blocks."""
    ld = (
        ""
        if article.era.startswith("post-content")
        else f'<script type="application/ld+json">{json_ld(news_article_ld(data, article))}</script>\n'
    )
    figure = "".join(
        f'<figure class="amp-image"><amp-img src="{esc(i.url)}" layout="responsive" width="800" height="533"></amp-img>'
        f"<figcaption>{esc(i.full_caption)}</figcaption></figure>\n"
        for i in article.images[:1]
    )
    paragraphs = "".join(
        f"<p>{text}</p>\n" for kind, text in body_blocks(article) if kind in ("p", "related", "reprint")
    )
    credits = "".join(f"<p>{esc(line.text)}</p>\n" for line in article.credits)
    copyright_line = f"<p>{esc(article.copyright.text(data.portal))}</p>\n" if article.copyright else ""
    return (
        f'<!doctype html>\n<html amp lang="id">\n<head>\n<meta charset="utf-8">\n'
        f'<link rel="canonical" href="{esc(canonical(data, article))}">\n'
        f"<title>{esc(article.title)}</title>\n{ld}</head>\n"
        f'<body>\n<article class="amp-article">\n<header><h1 class="amp-title">{esc(article.title)}</h1>'
        f'<div class="amp-date">{esc(date_text(data, article))}</div></header>\n{figure}'
        f'<div class="amp-content">\n{paragraphs}{credits}{copyright_line}</div>\n</article>\n</body>\n</html>\n'
    )
