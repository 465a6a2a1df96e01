"""Regional news archiver: Scrapy project that archives Indonesian regional news portals."""

__version__ = "0.1.0"
