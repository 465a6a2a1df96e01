"""The User-Agent names the project and ARCHIVE_CONTACT_URL, also when the contact URL is set with `-s`.

`crawler/settings.py` builds USER_AGENT from the default contact URL at import time, so a
contact URL given on the command line or per portal would otherwise never reach the header.
An explicitly set USER_AGENT (at a priority at least that of the contact URL) is used as is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware

from crawler import settings as project_defaults

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


def contact_user_agent(settings: BaseSettings) -> str:
    agent = str(settings.get("USER_AGENT") or "")
    contact = str(settings.get("ARCHIVE_CONTACT_URL") or "")
    if not contact or (settings.getpriority("USER_AGENT") or 0) >= (settings.getpriority("ARCHIVE_CONTACT_URL") or 0):
        return agent
    default = project_defaults.ARCHIVE_CONTACT_URL
    return agent.replace(default, contact) if default in agent else f"{agent} (+{contact})"


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """Scrapy's UserAgentMiddleware with the User-Agent from `contact_user_agent`.

    Settings: USER_AGENT, ARCHIVE_CONTACT_URL.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.user_agent = contact_user_agent(crawler.settings)
        return middleware
