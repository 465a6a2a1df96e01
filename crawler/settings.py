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

# --- Storage: validation, dedup state, durable JSONL, run lock (see README "Storage") ---
ARCHIVE_STATE_DIR = ""  # dedup state (dedup.sqlite3) and run locks; empty = <ARCHIVE_EXPORTS_DIR>/.state
ARCHIVE_VALIDATE_ENABLED = True  # check items against crawler/article.schema.json; problems go to `warnings`
ARCHIVE_DEDUP_ENABLED = True  # drop unchanged re-fetches, number revisions, link near-duplicates
ARCHIVE_DEDUP_BACKEND = "sqlite"  # dedup state store: "sqlite" (one WAL-mode file shared by all portals)
ARCHIVE_DEDUP_NEAR_ENABLED = True  # link syndicated copies through `near_duplicate_of` (MinHash LSH on the body)
ARCHIVE_DEDUP_NEAR_THRESHOLD = 0.7  # estimated Jaccard similarity of body word 3-grams that counts as near-identical
ARCHIVE_DEDUP_NEAR_PERMUTATIONS = 128  # MinHash permutations (4 bytes each per article); fixed once the state exists
ARCHIVE_DEDUP_NEAR_MIN_WORDS = 40  # bodies shorter than this are only compared by exact content_hash
ARCHIVE_DELTAFETCH_ENABLED = True  # do not fetch article pages already stored (unless `-a refresh=1`)
ARCHIVE_JSONL_ENABLED = True  # the store of record: one fsynced line per record, manifest per portal

# --- WARC archive: every response with its request (crawler/warc; README "WARC archive") ---
ARCHIVE_WARC_ENABLED = True  # write every downloaded response and its request to WARC 1.1 files (gzip per record)
ARCHIVE_WARC_DIR = ""  # WARC files, their CDXJ indexes and the revisit index; empty = <ARCHIVE_EXPORTS_DIR>/warc
ARCHIVE_WARC_MAX_BYTES = 1_000_000_000  # start a new WARC file once the current one reaches this size
ARCHIVE_WARC_REVISITS_ENABLED = True  # store a payload already archived for the same URL as a `revisit` record

# The WARC writer listens to response_downloaded, which fires before any downloader
# middleware: it sees the bytes as received (still compressed, before redirects).
EXTENSIONS = {
    "crawler.warc.extension.WarcArchiver": 100,
}

# Deltafetch runs before robots.txt and the downloader: a stored article costs no request at all.
DOWNLOADER_MIDDLEWARES = {
    "crawler.deltafetch.DeltaFetchMiddleware": 50,
}

# --- Pipelines, in order: each does one job ------------------------------------
# Dedup decides and JSONL writes then marks the article stored: the state never runs ahead
# of the files (pipelines/__init__.py explains the hand-off).
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,  # schema problems -> item.warnings
    "pipelines.dedup.DedupPipeline": 200,  # drop articles already exported (same id, same content)
    "pipelines.jsonl.JsonLinesPipeline": 300,  # durable append, one line per record
}

# --- Scrapy housekeeping ----------------------------------------------------
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
