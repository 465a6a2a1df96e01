"""`scrapy resolve-initials [portal ...]`: recompute each portal's reporter-initials sidecar files.

Scrapy names a command after its module, hence the hyphen; the command is
`crawler.initials.sidecars.ResolveInitialsCommand` (typed and tested there). Exit code 0,
or 64 when a named portal has no exports.
"""

from crawler.initials.sidecars import ResolveInitialsCommand


class Command(ResolveInitialsCommand):
    pass
