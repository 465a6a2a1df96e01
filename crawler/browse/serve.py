"""Start the archive's page: Datasette on the search index, with our metadata, hooks and article template.

Datasette runs in this process (uvicorn, as `datasette serve` runs it) so that its hooks are
ours without installing a plugin. It only reads the database, per request, so what a later
`scrapy index` adds shows without a restart.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from datasette.app import Database, Datasette
from datasette.plugins import pm

from crawler.browse import plugin
from crawler.browse.site import DATABASE, PLUGIN, SETTINGS, metadata

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
DATASETTE_FACETS = "datasette.facets"


def make_datasette(db_path: Path, replay_url: str) -> Any:
    """A Datasette serving the index at `db_path` as database `archive`, started (its startup hooks run)."""
    if pm.get_plugin(PLUGIN) is None:
        if pm.get_plugin(DATASETTE_FACETS) is not None:  # ours offers the same classes, one narrowed
            pm.unregister(name=DATASETTE_FACETS)
        pm.register(plugin, name=PLUGIN)
    datasette = Datasette([], metadata=metadata(replay_url), template_dir=str(TEMPLATES), settings=SETTINGS)
    datasette.remove_database("_memory")  # Datasette adds it when given no files
    datasette.add_database(Database(datasette, path=str(db_path), is_mutable=True), name=DATABASE)
    asyncio.run(datasette.invoke_startup())
    return datasette


def serve(db_path: Path, *, host: str, port: int, replay_url: str) -> None:
    """Serve the page until interrupted (Ctrl-C or SIGTERM)."""
    import uvicorn

    datasette = make_datasette(db_path, replay_url)
    logger.info("serving %s at http://%s:%d/%s", db_path, host, port, DATABASE)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)
