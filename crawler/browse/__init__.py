"""The archive's web page (`scrapy browse`): the search index served with Datasette.

`site.py` holds what the page says and offers (Datasette metadata: descriptions, facets,
canned searches) and the pywb replay link; `plugin.py` gives the article page its data
(credits, revisions and their diffs, replay links); `facets.py` keeps the reporter facet fast
on a large archive; `serve.py` starts Datasette on the index; `templates/` holds the article
page.
"""
