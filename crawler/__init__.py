"""Regional news archiver: Scrapy project that archives Indonesian regional news portals."""

import os as _os

__version__ = "0.2.0"

# Whatever umask cron or a container hands the process, nothing the archiver creates (exports,
# WARC files and their indexes, state, locks, directories) may be writable by other users: an
# archive others can rewrite is no archive. Only the "others write" bit is added, never removed.
_os.umask(_os.umask(0) | 0o002)

from crawler.store.consume import read_archive as read_archive  # noqa: E402  (public API; after the umask)
