"""Scrapy settings of the archiver: wiring plus every ARCHIVE_* default, one comment each.

Every `ARCHIVE_*` setting read anywhere in the code is defined here with its default and
listed in README's settings table (checked by `tests/test_settings.py`).
Components read them only in `from_crawler`.
"""

BOT_NAME = "regional_news_archiver"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- Politeness -------------------------------------------------------------
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
# Fill ARCHIVE_CONTACT_URL so that portal operators can reach you; it goes into the User-Agent.
ARCHIVE_CONTACT_URL = "https://github.com/regional-news-archiver/regional-news-archiver"  # where operators can reach the archive's operator
USER_AGENT = f"regional-news-archiver/0.1 (+{ARCHIVE_CONTACT_URL})"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# --- Size caps: a regional news page is well under 2 MB -----------------------
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

# --- Archive behaviour ---------------------------------------------------------
ARCHIVE_EXPORTS_DIR = "exports"  # root of every export: <dir>/<portal>/<YYYY>/<YYYY-MM>.jsonl
ARCHIVE_MAX_LISTING_PAGES = 50  # listing pages walked per listing when no `since` is given
ARCHIVE_BACKFILL_MAX_LISTING_PAGES = 5000  # upper bound on listing pages walked by a `since` backfill

# --- Pipelines, in order: each does one job ------------------------------------
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,  # schema problems -> item.warnings
    "pipelines.dedup.DedupPipeline": 200,  # drop articles already exported (same id, same content)
    "pipelines.jsonl.JsonLinesPipeline": 300,  # durable append, one line per record
}

# --- Scrapy housekeeping ----------------------------------------------------
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
