"""Build configuration: `pip install .` (with pyproject.toml's metadata) and Scrapyd's `scrapyd-deploy`.

`scrapyd-deploy` builds an egg of the project from this file alone: only the Scrapy
project goes into it (crawler/ and pipelines/, plus the record's JSON Schema), and the
`scrapy` entry point names the settings module, which is how Scrapyd finds it. The version
has one source, `crawler/__init__.py`, read here as text (importing the package would need
its dependencies at build time). Dependencies, extras and the description live in
pyproject.toml; on a Scrapyd host they are installed from requirements.txt, not bundled.
"""

import re
from pathlib import Path

from setuptools import find_packages, setup

_INIT = (Path(__file__).resolve().parent / "crawler" / "__init__.py").read_text(encoding="utf-8")
VERSION = re.search(r'^__version__ = "([^"]+)"$', _INIT, re.M).group(1)

setup(
    name="regional-news-archiver",
    version=VERSION,
    packages=find_packages(include=["crawler", "crawler.*", "pipelines", "pipelines.*"]),
    package_data={"crawler": ["article.schema.json", "browse/templates/*.html"]},
    entry_points={
        "scrapy": ["settings = crawler.settings"],
        "console_scripts": ["newsarchive = crawler.cli:main"],
    },
)
