"""Packaging for Scrapyd: `scrapyd-deploy` builds an egg of the project from this file.

Only the Scrapy project goes into the egg (crawler/ and pipelines/, plus the record's JSON
Schema); the `scrapy` entry point names the settings module, which is how Scrapyd finds
it. Dependencies are installed on the Scrapyd host from requirements.txt, not bundled.
"""

from setuptools import find_packages, setup

setup(
    name="regional-news-archiver",
    version="0.1",
    packages=find_packages(include=["crawler", "crawler.*", "pipelines", "pipelines.*"]),
    package_data={"crawler": ["article.schema.json"]},
    entry_points={"scrapy": ["settings = crawler.settings"]},
)
