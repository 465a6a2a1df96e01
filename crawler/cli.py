"""`newsarchive <command> ...`: the archiver's Scrapy commands from any directory, once installed (`pip install .`).

`newsarchive crawl antara_kaltim` is `scrapy crawl antara_kaltim` run in the checkout: the
same commands (crawl, crawlall, parse, verify, reparse, export, list, ...), options and exit
codes, with the project's settings (`crawler.settings`) wherever it runs. Relative paths
(`ARCHIVE_EXPORTS_DIR` = `exports`) are relative to the current directory.
"""

from __future__ import annotations

import os
import sys

SETTINGS_MODULE = "crawler.settings"
# Scrapy reads SCRAPY_SETTINGS_MODULE unless a scrapy.cfg found upwards from the current
# directory names settings for SCRAPY_PROJECT; no scrapy.cfg has a section of this name,
# so another Scrapy project's directory cannot swap the archiver's settings for its own.
PROJECT_NAME = "newsarchive"


def main(argv: list[str] | None = None) -> None:
    os.environ["SCRAPY_SETTINGS_MODULE"] = SETTINGS_MODULE
    os.environ["SCRAPY_PROJECT"] = PROJECT_NAME
    from scrapy.cmdline import execute

    execute(["newsarchive", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
