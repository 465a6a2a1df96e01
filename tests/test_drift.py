"""Drift alarms: a template change mid-history is caught on its first run, and its pages become fixtures.

The replica serves a copy of the Kalimantan Timur data file. Three healthy runs build the
portal's history (the first crawl, then two runs after ten new articles each); then the
replica restarts in `--credits-class` mode (the credit block renamed, labels without colons:
`tests/replica/modes.py`) and ten more articles are published, twice. The first such run must
raise the drift alarm naming `editors` and save the offending pages as fixtures (the second
keeps alarming and names the same fixtures); those fixtures, once their
expected JSON is written from the replica data (`tests.replica.expected`), must make the
parser fixture tests fail on the drifted field and pass on the others.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import test_fixtures

import tests.fixture_diff
from crawler import __version__
from crawler.exitcodes import EXIT_UNHEALTHY
from crawler.items import SCHEMA_VERSION
from crawler.monitoring.drift import DriftRule, judge
from crawler.paths import state_beside
from tests.fixture_diff import RECORD_FIELDS, discover
from tests.replica.data import load_file, write_file
from tests.replica.expected import expected_record
from tests.replica.harness import KALTIM_DATA, CrawlResult, run_crawl, start_replica, trap_proxy_env
from tests.replica.modes import CREDIT_LABEL

PORTAL = "antara_kaltim"
TEMPLATE_ID = 29875  # a current-template article with reporter and editor, copied for the new ones
HEALTHY_BATCHES = (991000, 992000)
DRIFT_BATCHES = (993000, 994000)


class History:
    def __init__(self, workdir: Path) -> None:
        self.workdir, self.data, self.exports = workdir, workdir / "data.json", workdir / "exports"
        self.runs: list[tuple[CrawlResult, dict[str, Any]]] = []

    def publish(self, first_id: int, count: int = 10) -> None:
        doc = json.loads(self.data.read_text(encoding="utf-8"))
        template = next(a for a in doc["articles"] if a["id"] == TEMPLATE_ID)
        newest = max(datetime.fromisoformat(a["published"]) for a in doc["articles"])
        for n in range(count):
            article = copy.deepcopy(template)
            article.update(id=first_id + n, slug=f"berita-{first_id + n}", title=f"Berita nomor {first_id + n}",
                           published=(newest + timedelta(minutes=10 * (n + 1))).strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
            article["paragraphs"] = [f"{p} (edisi {first_id + n})" for p in article["paragraphs"]]
            doc["articles"].append(article)
        write_file(self.data, doc)

    def crawl(self, *replica_options: str) -> tuple[CrawlResult, dict[str, Any]]:
        replica = start_replica(self.data, self.workdir / "replica", *replica_options)
        try:
            result = run_crawl(PORTAL, self.exports, base_url=replica.base_url, env=trap_proxy_env(replica))
        finally:
            replica.stop()
        latest = state_beside(self.exports) / "runs" / "latest" / f"{PORTAL}.json"
        self.runs.append((result, json.loads(latest.read_text(encoding="utf-8"))))
        return self.runs[-1]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    runs = History(tmp_path_factory.mktemp("drift"))
    shutil.copy(KALTIM_DATA, runs.data)
    runs.crawl()
    for first_id in HEALTHY_BATCHES:
        runs.publish(first_id)
        runs.crawl()
    for first_id in DRIFT_BATCHES:
        runs.publish(first_id)
        runs.crawl("--credits-class", "article-credits")
    return runs


@pytest.fixture(scope="module")
def alarm(history: History) -> dict[str, Any]:
    _, summary = history.runs[3]
    return next(a for a in summary["drift"]["alarms"] if a["field"] == "editors")


@pytest.mark.e2e  # replica, `scrapy crawl` (the module's crawl history)
def test_healthy_history_raises_no_alarm(history: History) -> None:
    for result, summary in history.runs[:3]:
        assert result.process.returncode == 0, result.process.stderr[-3000:]
        assert summary["status"] == "ok" and summary["drift"]["alarms"] == []
    assert [s["coverage"]["records"] for _, s in history.runs] == [32, 10, 10, 10, 10]


@pytest.mark.e2e  # replica, `scrapy crawl` (the module's crawl history)
def test_first_bad_run_raises_the_alarm_naming_the_field(history: History, alarm: dict[str, Any]) -> None:
    result, summary = history.runs[3]
    assert result.process.returncode == EXIT_UNHEALTHY, result.process.stderr[-3000:]
    assert summary["drift"]["judged"] and summary["drift"]["baseline_samples"] == 3
    assert alarm["share"] == 0.0 and alarm["records"] == 10 and alarm["baseline_mean"] > 0.9
    assert not {a["field"] for a in summary["drift"]["alarms"]} & {"title", "body", "published_at"}
    drift = [p for p in summary["problems"] if p["check"] == "drift" and p["field"] == "editors"]
    assert drift and drift[0]["fixtures"] == alarm["fixtures"]["files"]
    lines = [line for line in result.stderr_lines if "UNHEALTHY" in line and "field editors" in line]
    lines = [line for line in lines if "baseline" in line]
    assert lines and alarm["fixtures"]["dir"] in lines[0] and Path(alarm["fixtures"]["files"][0]).name in lines[0]
    print(f"drift alarm: {lines[0]}")  # noqa: T201


@pytest.mark.e2e  # replica, `scrapy crawl` (the module's crawl history)
def test_offending_pages_are_saved_as_unreviewed_fixtures(history: History, alarm: dict[str, Any]) -> None:
    _, summary = history.runs[3]
    directory = Path(alarm["fixtures"]["dir"])
    assert directory == state_beside(history.exports) / "drift" / PORTAL / summary["run_id"]
    files = [Path(f) for f in alarm["fixtures"]["files"]]
    assert 1 <= len(files) <= 5 and all(f.parent == directory and f.suffix == ".html" for f in files)
    for html in files:
        meta = json.loads(html.with_suffix(".meta.json").read_text(encoding="utf-8"))
        assert {"url", "portal", "fetched_at", "_why"} <= set(meta) and meta["portal"] == PORTAL
        assert meta["url"].startswith("https://kaltim.antaranews.com/berita/99300")
        assert "editors" in meta["_why"] and meta["drift"]["run_id"] == summary["run_id"]
        assert b'class="article-credits"' in html.read_bytes()  # the page as the changed template served it
        output = json.loads(html.with_name(html.name.replace(".html", ".json.unreviewed")).read_text(encoding="utf-8"))
        assert "UNREVIEWED" in output.pop("_unreviewed")
        assert list(output) == sorted(output) and set(output) == set(RECORD_FIELDS)
        assert output["editors"] == [] and output["url"] == meta["url"]


@pytest.mark.e2e  # replica, `scrapy crawl` (the module's crawl history)
def test_the_alarm_stays_on_and_names_the_first_runs_fixtures(history: History, alarm: dict[str, Any]) -> None:
    """The drift is not fixed on the next run: still unhealthy, compared with the clean runs, no new files."""
    result, summary = history.runs[4]
    assert result.process.returncode == EXIT_UNHEALTHY
    again = next(a for a in summary["drift"]["alarms"] if a["field"] == "editors")
    assert again["baseline_samples"] == 3 and again["fixtures"] == alarm["fixtures"]
    assert again["fixtures"]["from_run"] == history.runs[3][1]["run_id"]
    assert sorted(p.name for p in (state_beside(history.exports) / "drift" / PORTAL).iterdir()) == [history.runs[3][1]["run_id"]]


@pytest.mark.e2e  # replica, `scrapy crawl` (the module's crawl history)
def test_saved_fixtures_reproduce_the_failure_once_reviewed(
    history: History, alarm: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "fixtures"
    shutil.copytree(Path(alarm["fixtures"]["dir"]), tree / "antara" / "drift")
    monkeypatch.setattr(tests.fixture_diff, "FIXTURES", tree)
    monkeypatch.setattr(test_fixtures, "FIXTURES", tree)
    cases = discover()
    assert len(cases) == len(alarm["fixtures"]["files"])

    # As saved: the fixture rules refuse them (no expectation, unreviewed output left behind).
    with pytest.raises((AssertionError, FileNotFoundError)):
        test_fixtures.test_fixture_files_are_well_formed(cases[0])
    with pytest.raises(AssertionError, match="stray file"):
        test_fixtures.test_fixture_folder_has_no_strays()

    # Reviewed: a human writes the expected record (here from the replica data) and removes the unreviewed output.
    site = load_file(history.data)
    for case in cases:
        (unreviewed := case.json_path.with_name(case.json_path.name + ".unreviewed")).unlink()
        article = site.article(int(case.meta["url"].split("/berita/")[1].split("/")[0]))
        assert article is not None
        case.json_path.write_text(json.dumps(_reviewed(site, article, case.meta), ensure_ascii=False, indent=1,
                                             sort_keys=True) + "\n", encoding="utf-8")  # fmt: skip
        assert not unreviewed.exists()
    test_fixtures.test_fixture_folder_has_no_strays()
    for case in cases:
        test_fixtures.test_fixture_files_are_well_formed(case)
        test_fixtures.test_expected_texts_occur_in_page(case)
        failing = set()
        for key in RECORD_FIELDS:
            try:
                test_fixtures.test_field(case, key)
            except AssertionError:
                failing.add(key)
        print(f"{case.name}: fixture fields failing: {sorted(failing)}")  # noqa: T201
        assert "editors" in failing
        # The drift breaks the credits (and lets the unrecognised credit block into the body); the rest still parses.
        assert not failing & {"title", "published_at", "section", "tags", "url", "id", "dateline", "images"}


def _reviewed(site: Any, article: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """The expected JSON a reviewer writes: the replica's record plus what a fixture's page object leaves fixed."""
    want = expected_record(site, article)
    want.update(
        crawled_at=meta["fetched_at"],
        fetched_url=meta["url"],
        content_hash=hashlib.sha256(f"{want['title']}\n\n{want['body']}".encode()).hexdigest(),
        parser_version=f"{__version__}+{want['layout']}",
        revision=0, previous_hash=None, near_duplicate_of=None, revision_diff=None, warc_file=None,
        warc_record_id=None, warc_offset=None, payload_digest=None, portal_definition_version=None,
        schema_version=SCHEMA_VERSION,
    )  # fmt: skip
    # credit_lines are verbatim: the changed template prints the labels without their colons.
    want["credit_lines"] = [CREDIT_LABEL.sub(r"\g<label> ", line) for line in want["credit_lines"]]
    assert set(want) == set(RECORD_FIELDS), f"schema changed: {set(RECORD_FIELDS) ^ set(want)}"
    return want


# --- the rule on its own --------------------------------------------------------------------------


def _run(records: int, editors: int, *, alarmed: bool = False) -> dict[str, Any]:
    fields = {"title": records, "published_at": records, "body": records, "reporters": records,
              "editors": editors, "copyright": records}  # fmt: skip
    return {"coverage": {"records": records, "fields": fields},
            "drift": {"alarms": [{"field": "editors"}] if alarmed else []}}  # fmt: skip


@pytest.mark.parametrize(
    ("this_run", "earlier", "fields", "baseline"),
    [
        pytest.param(_run(10, 0), [_run(10, 10)] * 3, ["editors"], 3, id="field-gone"),
        pytest.param(_run(10, 9), [_run(10, 10)] * 3, [], 3, id="dip-of-10-points-is-no-drift"),
        pytest.param(_run(10, 8), [_run(10, 10)] * 3, ["editors"], 3, id="drop-of-20-points-is"),
        pytest.param(_run(10, 5), [_run(10, 10)] * 3, ["editors"], 3, id="half-gone"),
        pytest.param(_run(10, 0), [_run(10, 10)] * 2, [], 2, id="too-little-history"),
        pytest.param(_run(10, 4), [_run(10, 9), _run(10, 3), _run(10, 10), _run(10, 5)], [], 4, id="wobbly-portal"),
        pytest.param(
            _run(3, 0),
            [_run(3, 0), _run(4, 0), _run(10, 10), _run(10, 10), _run(10, 10)],
            ["editors"],
            3,
            id="small-runs-pooled",
        ),  # fmt: skip
        pytest.param(
            _run(10, 0),
            [_run(10, 0, alarmed=True), *[_run(10, 10)] * 3],
            ["editors"],
            3,
            id="alarmed-runs-are-no-baseline",
        ),  # fmt: skip
        pytest.param(_run(2, 0), [_run(10, 10)] * 4, ["editors"], 3, id="small-run-pooled-with-the-run-before"),
    ],
)
def test_rule(this_run: dict[str, Any], earlier: list[dict[str, Any]], fields: list[str], baseline: int) -> None:
    _, alarms, samples = judge(this_run, earlier, DriftRule())
    assert [a.field for a in alarms] == fields
    assert samples == baseline
