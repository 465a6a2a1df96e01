"""Portal-independent extraction helpers: text blocks, dates, credits, JSON-LD, feeds.

Each module is small, pure and table-tested; page objects of every family compose them.
"""
