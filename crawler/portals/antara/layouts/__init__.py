"""ANTARA article layouts, one small page object per template era.

Each era only declares its selectors (as class constants) and overrides what differs;
`base.AntaraArticleLayout` holds the field logic they share.
"""

from crawler.portals.antara.layouts.amp import AntaraArticleAmpLayout
from crawler.portals.antara.layouts.base import AntaraArticleLayout
from crawler.portals.antara.layouts.post_content import AntaraArticlePostContentLayout
from crawler.portals.antara.layouts.wrap import AntaraArticleWrapLayout

LAYOUTS: tuple[type[AntaraArticleLayout], ...] = (
    AntaraArticleWrapLayout,
    AntaraArticlePostContentLayout,
    AntaraArticleAmpLayout,
)
"""In detection order: the current template first (old articles are served in it too)."""

__all__ = [
    "LAYOUTS",
    "AntaraArticleAmpLayout",
    "AntaraArticleLayout",
    "AntaraArticlePostContentLayout",
    "AntaraArticleWrapLayout",
]
