"""The User-Agent names the project and ARCHIVE_CONTACT_URL, also when the contact URL is set with `-s`.

`crawler/settings.py` builds USER_AGENT from the default contact URL at import time, so a
contact URL given on the command line or per portal would otherwise never reach the header.
An explicitly set USER_AGENT (at a priority at least that of the contact URL) is used as is.
Sending the placeholder contact URL to a real (non-loopback) host logs one warning per host:
the portal's operators could not reach whoever runs the crawl.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.utils.httpobj import urlparse_cached

from crawler import settings as project_defaults

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


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
        placeholder = crawler.settings.get("ARCHIVE_CONTACT_URL") == project_defaults.ARCHIVE_CONTACT_URL
        middleware.seen_hosts = set() if placeholder else None
        return middleware

    seen_hosts: set[str] | None = None
    """Hosts already checked for the placeholder contact URL's warning (None: a real contact URL is set)."""

    def process_request(self, request: Request) -> None:  # type: ignore[override]  # no deprecated `spider`
        if self.seen_hosts is not None:
            host = urlparse_cached(request).hostname or ""
            if host not in self.seen_hosts:
                self.seen_hosts.add(host)  # loopback ones too: parsing the address again costs every request
                if not _is_loopback(host):
                    logger.warning(
                        "%s gets the placeholder contact URL %s in the User-Agent: set ARCHIVE_CONTACT_URL "
                        "(crawler/settings.py or -s ARCHIVE_CONTACT_URL=...) to a page where its operators can "
                        "reach you", host, project_defaults.ARCHIVE_CONTACT_URL)  # fmt: skip
        super().process_request(request)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
