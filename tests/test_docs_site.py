"""The docs beside the published file (<warehouse>.docs/): written by every run and by `ccw docs`,
naming the published tables, and readable offline: a headless Chromium with the network cut off
opens both sites and no request fails."""

from __future__ import annotations

import re

import pytest
from browser import open_offline

from orchestration.cli import main
from orchestration.publish.docs import DocsReport, docs_dir, remote_resources

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs(published):
    settings, summary = published
    assert isinstance(summary.docs, DocsReport), summary.docs
    assert summary.docs.path == docs_dir(settings) == settings.warehouse.with_name("contact_cost.docs")
    assert "Docs: " in summary.render()
    return docs_dir(settings)


def test_every_run_writes_both_sites_beside_the_published_file(docs):
    assert (docs / "index.html").exists()
    assert (docs / "dbt" / "index.html").exists()
    assert (docs / "quality" / "index.html").exists()
    index = (docs / "index.html").read_text()
    assert 'href="dbt/index.html"' in index and 'href="quality/index.html"' in index


def test_no_page_loads_anything_from_the_network(docs):
    """Every page and stylesheet of both sites, scanned: no script, stylesheet, image or font from
    an http(s) address (the data docs ask for 22 CDN files; they are served from _vendor/)."""
    pages = [p for p in docs.rglob("*") if p.suffix in (".html", ".css")]
    assert len(pages) > 10
    left = {str(p.relative_to(docs)): remote_resources(p.read_text()) for p in pages}
    assert {p: r for p, r in left.items() if r} == {}


def test_the_dbt_site_opens_offline_and_names_the_published_tables(docs, browser):
    page = (docs / "dbt" / "index.html").resolve()
    visit = open_offline(browser, page)
    assert visit.failed == [] and visit.network == [] and visit.errors == []
    model = open_offline(
        browser,
        page,
        fragment="!/model/model.contact_cost_warehouse.fct_interactions",
        wait_for="text=The one conformed fact of customer interactions",
    )
    assert model.failed == [] and model.network == [] and model.errors == []
    assert "contact_cost.marts.fct_interactions" in model.text
    assert not re.search(r"\bbuild\.marts\b", model.text)
    staging = open_offline(
        browser,
        page,
        fragment="!/model/model.contact_cost_warehouse.stg_telephony__calls",
        wait_for="text=Not in the published file",
    )
    assert staging.failed == [] and staging.network == []


def test_the_data_quality_site_opens_offline(docs, browser):
    """The pages' 22 CDN files are local copies (two of them pinned by subresource integrity, which
    a page opened from disk cannot check: ccw checks the copies against the pinned hashes)."""
    index = open_offline(browser, docs / "quality" / "index.html", settle_ms=1500)
    assert index.failed == [] and index.network == [] and index.errors == []
    assert any(r.endswith("/_vendor/jquery-3.7.1/jquery.min.js") for r in index.requests)
    assert "marts.reconciliation" in index.text and "raw.files" in index.text
    validation = sorted((docs / "quality" / "validations").rglob("*.html"))[0]
    visit = open_offline(browser, validation, settle_ms=1500)
    assert visit.failed == [] and visit.network == [] and visit.errors == []
    assert "Expectation Validation Result" in visit.text
    assert any("bootstrap.min.css" in r for r in visit.requests)


def test_ccw_docs_writes_them_again(published, monkeypatch, capsys):
    settings, _ = published
    monkeypatch.setenv("CCW_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("CCW_LANDING_DIR", str(settings.landing_dir))
    before = (docs_dir(settings) / "index.html").stat().st_mtime_ns
    assert main(["docs"]) == 0
    assert "Docs: " in capsys.readouterr().out
    assert (docs_dir(settings) / "index.html").stat().st_mtime_ns > before
    assert not docs_dir(settings).with_name("contact_cost.docs.new").exists()
