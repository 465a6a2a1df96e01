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
ARCHIVE_CONTACT_URL = "https://github.com/regional-news-archiver/regional-news-archiver"  # operators contact page
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

# --- Generic portals (crawler/spiders/generic.py) --------------------------------
ARCHIVE_GENERIC_MAX_SITEMAPS = 200  # sitemap files (robots.txt lines, row paths, index children) read per generic crawl

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

# --- Distributed mode: N workers on N machines, one Redis (README "Distributed crawling") ---
ARCHIVE_REDIS_URL = ""  # the switch: Redis of all workers (queue, dupefilter, dedup state); empty = one machine
ARCHIVE_WORKER_ID = ""  # this worker's name in distributed mode (file names, run lock); empty = short host name
ARCHIVE_REDIS_PREFIX = "archive"  # first part of every Redis key the archiver writes
ARCHIVE_REDIS_WORKER_TTL_SECONDS = 10.0  # a worker silent this long counts as gone (killed); others stop waiting
ARCHIVE_REDIS_POLL_SECONDS = 0.2  # a worker's heartbeat period; also how often an idle worker looks for requests
# The add-on does nothing unless ARCHIVE_REDIS_URL is set; then it sets the scrapy-redis group (crawler/distributed.py).
ADDONS = {
    "crawler.distributed.DistributedMode": 0,
}

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
DOWNLOADER_MIDDLEWARES: dict[str, int | None] = {
    "crawler.deltafetch.DeltaFetchMiddleware": 50,
}
# Holds each response until its WARC record is fsynced (group commit; crawler/warc/durability.py):
# first in process_response order, so no callback or pipeline sees a response not yet durable.
DOWNLOADER_MIDDLEWARES["crawler.warc.durability.WarcDurabilityMiddleware"] = 950

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

# --- Scheduled runs: incremental stop, crawlall, politeness, monitoring, report (README "Running from cron") ---
ARCHIVE_INCREMENTAL_ENABLED = True  # scheduled runs stop a listing at the first page linking only stored articles
ARCHIVE_CRAWLALL_PORTALS = ["antara_kaltim"]  # portals `scrapy crawlall` runs when none are named on its command line
ARCHIVE_LOG_DIR = ""  # one log file per `scrapy crawlall` run; empty = <ARCHIVE_EXPORTS_DIR>/.logs
ARCHIVE_LOG_RETENTION_DAYS = 14  # crawlall log files older than this are deleted when a run starts
ARCHIVE_BACKFILL_DOWNLOAD_DELAY_SECONDS = 2.0  # DOWNLOAD_DELAY of runs with `-a since=`/`until=`, unless set with -s
ARCHIVE_RETRY_AFTER_ENABLED = True  # pause a host after 429/503: Retry-After, else exponential backoff
ARCHIVE_RETRY_AFTER_BASE_SECONDS = 5.0  # pause after a 429/503 without Retry-After; doubles with each retry
ARCHIVE_RETRY_AFTER_MAX_SECONDS = 600.0  # cap on one pause; a longer Retry-After gives the request up
ARCHIVE_MONITOR_ENABLED = True  # per-run health checks, run summary JSON and the HTML report
ARCHIVE_MONITOR_MIN_RECORDS = 20  # coverage is judged over this many records at least (earlier runs fill up)
ARCHIVE_MONITOR_MIN_TITLE_COVERAGE = 0.99  # share of written records with a title
ARCHIVE_MONITOR_MIN_PUBLISHED_AT_COVERAGE = 0.98  # share of written records with published_at
ARCHIVE_MONITOR_MIN_BODY_COVERAGE = 0.98  # share of written records with a body of at least 200 characters
ARCHIVE_MONITOR_MIN_REPORTERS_COVERAGE = 0.90  # share of written records naming a reporter
ARCHIVE_MONITOR_MIN_EDITORS_COVERAGE = 0.90  # share of written records naming an editor
ARCHIVE_MONITOR_MIN_COPYRIGHT_COVERAGE = 0.80  # share of written records with a copyright line
ARCHIVE_MONITOR_MIN_LINKS = 1  # fewer article links found in listings and feeds than this marks the run unhealthy
ARCHIVE_REPORT_ENABLED = True  # write <ARCHIVE_EXPORTS_DIR>/report.html after each run (needs ARCHIVE_MONITOR_ENABLED)
ARCHIVE_REPORT_RETENTION_DAYS = 90  # run summaries (<ARCHIVE_EXPORTS_DIR>/.runs) older than this are deleted

# Retry-After sits just before Scrapy's RetryMiddleware (550) sees a response, and pauses requests after it.
DOWNLOADER_MIDDLEWARES["crawler.middlewares.retry_after.RetryAfterMiddleware"] = 560
# The User-Agent follows ARCHIVE_CONTACT_URL even when that is set with -s (crawler/middlewares/useragent.py).
DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.useragent.UserAgentMiddleware"] = None
DOWNLOADER_MIDDLEWARES["crawler.middlewares.useragent.ContactUserAgentMiddleware"] = 500
EXTENSIONS["crawler.monitor.RunMonitor"] = 500  # per-run health, run summary, report

# --- Hardening: faulty responses, size and page caps (README "Reliability") ---
ARCHIVE_CHARSET_REPAIR_ENABLED = True  # read pages with a wrong or missing charset in the encoding their bytes are in
ARCHIVE_CHARSET_FALLBACK = "cp1252"  # encoding of non-UTF-8 pages that declare UTF-8 or nothing, if it reads them
ARCHIVE_SOFT_ERROR_RETRY_ENABLED = True  # retry article/listing pages answered 200 with an empty body or an error page
ARCHIVE_SOFT_ERROR_TITLES = ["halaman tidak ditemukan", "page not found", "404 not found"]  # error-page <title> words
ARCHIVE_REDIRECT_GUARD_ENABLED = True  # refuse (and count) redirect loops and redirects to hosts outside the portal
ARCHIVE_MAX_PAGES_PER_RUN = 0  # stop a run after this many responses (sets CLOSESPIDER_PAGECOUNT); 0 = no cap
# Merged into (not replacing) any ADDONS / SPIDER_MIDDLEWARES defined above, whichever groups are present.
ADDONS = {**globals().get("ADDONS", {}), "crawler.limits.PageCapAddon": 10}  # ARCHIVE_MAX_PAGES_PER_RUN

# Redirect guard just before RedirectMiddleware (600); Scrapy's decompression swapped for the counting subclass
# (same priority, 590); soft errors and charset repair after decompression, so they see the inflated body.
DOWNLOADER_MIDDLEWARES["crawler.middlewares.redirects.RedirectGuardMiddleware"] = 610
DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"] = None
DOWNLOADER_MIDDLEWARES["crawler.middlewares.compression.CountingHttpCompressionMiddleware"] = 590
DOWNLOADER_MIDDLEWARES["crawler.middlewares.soft_errors.SoftErrorRetryMiddleware"] = 575
DOWNLOADER_MIDDLEWARES["crawler.middlewares.charset.CharsetRepairMiddleware"] = 570
SPIDER_MIDDLEWARES = {
    **globals().get("SPIDER_MIDDLEWARES", {}),
    "crawler.middlewares.charset.CharsetWarningMiddleware": 100,  # the charset repair's warning on the item
}

# --- Frontier: discovered articles not yet stored are tried again by later runs (crawler/frontier.py) ---
ARCHIVE_FRONTIER_ENABLED = True  # remember article requests until stored, so an incremental run never loses one
ARCHIVE_FRONTIER_MAX_ATTEMPTS = 5  # runs that re-issue a pending article before it is given up (logged, counted)
SPIDER_MIDDLEWARES = {**globals().get("SPIDER_MIDDLEWARES", {}), "crawler.frontier.FrontierMiddleware": 950}

# --- Gentle polling: conditional requests for listings, feeds, sitemaps (crawler/conditional.py) ---
ARCHIVE_CONDITIONAL_ENABLED = True  # scheduled runs send remembered ETag/Last-Modified for listings, feeds, sitemaps
# Early in process_request (only discovery requests are touched), so last in process_response order:
# validators are remembered only from 200s that every other middleware (soft errors, retries) let through.
DOWNLOADER_MIDDLEWARES["crawler.conditional.ConditionalRequestsMiddleware"] = 60

# --- Drift alarms: coverage against the portal's own history; pages saved as fixtures (crawler/drift.py) ---
ARCHIVE_DRIFT_ENABLED = True  # compare each run's field coverage with the portal's earlier runs (needs the monitor)
ARCHIVE_DRIFT_BASELINE_RUNS = 20  # baseline samples (earlier runs, small ones pooled) a run is compared with
ARCHIVE_DRIFT_MIN_BASELINE_RUNS = 3  # fewer baseline samples than this: drift is not judged yet
ARCHIVE_DRIFT_MIN_RECORDS = 10  # records per sample; consecutive small runs are pooled up to this
ARCHIVE_DRIFT_MIN_DROP = 0.15  # alarm when coverage < baseline mean - max(this, ARCHIVE_DRIFT_SIGMAS x sd)
ARCHIVE_DRIFT_SIGMAS = 3.0  # standard deviations of the baseline samples' coverage that count as normal wobble
ARCHIVE_DRIFT_MAX_FIXTURES = 5  # pages saved as fixtures per alarm
ARCHIVE_DRIFT_DIR = ""  # where the pages go, <dir>/<portal>/<run id>/; empty = <ARCHIVE_EXPORTS_DIR>/drift

# --- Reporter initials resolved from the portal's own bylines: sidecar files (crawler/initials_sidecars.py) ---
ARCHIVE_INITIALS_ENABLED = False  # also recompute the initials sidecars when a crawl closes (else: resolve-initials)
ARCHIVE_INITIALS_MIN_CONFIDENCE = 0.75  # share of all candidates' evidence the best full name needs to resolve initials
ARCHIVE_INITIALS_PERIOD_DAYS = 365  # a candidate's credit this close to the initials' first..last byline counts double
EXTENSIONS["crawler.initials_sidecars.InitialsExtension"] = 600  # after the run monitor: the archive is final

# --- JSONL group commit: one fsync, state transaction and manifest per small batch (crawler/groupcommit.py) ---
ARCHIVE_JSONL_COMMIT_MAX_RECORDS = 100  # a batch of written records is committed once it holds this many
ARCHIVE_JSONL_COMMIT_MAX_SECONDS = 0.05  # ...or this long after its first record (each item waits for its batch)
ARCHIVE_GC_FREEZE_ENABLED = True  # gc.freeze() once the engine starts: full collections skip the start-up heap
EXTENSIONS["crawler.gcfreeze.GcFreeze"] = 0

# --- Crawl order: listing pages ahead of queued articles while the queue is short (crawler/listingfirst.py) ---
ARCHIVE_LISTING_FIRST_ENABLED = True  # keep the listing walk a page or two ahead of the article downloads
SPIDER_MIDDLEWARES = {**globals().get("SPIDER_MIDDLEWARES", {}), "crawler.listingfirst.ListingFirstMiddleware": 900}
