"""WARC archiving: every downloaded response with its request, and reading them back offline.

- `extension.WarcArchiver`: the writer (an extension on `response_downloaded`).
- `records`: what a record holds (the archive's contract), `files`: naming, durable appends
  and crash repair, `cdxj`: the index beside each finished file, `digests`: revisit lookup.
- `reader`: archived responses rebuilt as Scrapy responses, for `scrapy reparse`.
"""
