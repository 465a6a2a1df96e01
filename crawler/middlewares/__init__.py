"""Downloader middlewares of the archiver (politeness)."""
