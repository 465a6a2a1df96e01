"""`python -m tests.generic_site --mode structured|listing --access-log FILE`: serve on a free loopback port.

Prints the port on stdout, logs every request (method, target, Host) as a JSON line, and
answers any request for another host (a proxied, absolute-form target) with 403.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.generic_site import site


def handler(mode: str, log_path: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"target": self.path, "host": self.headers.get("Host")}) + "\n")
            target = urlsplit(self.path)
            if target.netloc and not target.netloc.startswith("127.0.0.1"):
                self._send(403, "text/plain", "off-domain request refused")
            else:
                self._route(f"http://{self.headers.get('Host')}", target.path, parse_qs(target.query))

        def do_CONNECT(self) -> None:  # noqa: N802
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"target": self.path, "host": self.headers.get("Host")}) + "\n")
            self._send(403, "text/plain", "off-domain request refused")

        def _route(self, base: str, path: str, query: dict[str, list[str]]) -> None:
            articles = {a.path: a for a in site.ARTICLES}
            key = path.rstrip("/") or "/"
            if key.startswith("/amp/"):
                key = key[len("/amp") :]
            xml = {"/sitemap_index.xml": site.sitemap_index, "/sitemap-news.xml": site.news_sitemap,
                   "/post-sitemap.xml": site.post_sitemap, "/category-sitemap.xml": site.category_sitemap,
                   "/feed": site.feed}  # fmt: skip
            if path == "/robots.txt":
                self._send(200, "text/plain", site.robots(base, mode))
            elif key in xml and mode == "structured":
                self._send(200, "application/xml", xml[key](base))
            elif key == "/":
                self._send(200, "text/html", site.home_page(base, mode, int(query.get("page", ["1"])[0])))
            elif key in articles:
                self._send(200, "text/html", site.article_page(base, articles[key]))
            else:
                self._send(404, "text/html", "<html><head><title>Halaman tidak ditemukan</title></head></html>")

        def _send(self, status: int, kind: str, text: str) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("structured", "listing"), default="structured")
    parser.add_argument("--access-log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(args.mode, args.access_log))
    sys.stdout.write(f"{server.server_address[1]}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
