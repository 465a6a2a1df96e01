"""Process exit codes of the archiver's commands, distinct so that cron wrappers can tell them apart.

Values follow BSD sysexits.h where one fits.
"""

EXIT_OK = 0
EXIT_FAILURE = 1  # the crawl could not run (Scrapy bootstrap failure, unexpected error)
EXIT_UNHEALTHY = 3  # the crawl ran but monitoring marked it unhealthy
EXIT_UNREACHABLE = 69  # EX_UNAVAILABLE: the portal never answered (DNS, refused, TLS, timeouts); nothing was fetched
EXIT_CONFIG = 64  # EX_USAGE: a bad spider argument, setting or portal name
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run of the same portal holds the lock; try again later
