"""The documentation readers use, written beside the published file, working offline.

    <warehouse>.docs/index.html           links to the two sites
    <warehouse>.docs/dbt/index.html       the dbt docs site: every table and column with its
                                          description, keys, tests and lineage, naming the published
                                          file's tables (catalog `<warehouse stem>`), one static page
    <warehouse>.docs/quality/index.html   the Great Expectations data docs of the last runs

Both open from the file system (file://) with no network: the dbt page is dbt's docs page with
the build's manifest and a catalog read from the published file inline (what `dbt docs generate
--static` writes, without parsing the project again), and the data docs, which Great Expectations
writes with scripts and stylesheets from public CDNs, get local copies of those files
(docs_assets/vendor, README.md there lists their packages, versions and licences).

`ccw run` writes the docs after every publish; `ccw docs` writes them for the warehouse as it is.
The folder is replaced as a whole (written beside it, then renamed into place).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.config import Settings
from orchestration.errors import PipelineError
from orchestration.publish.schema import READER_SCHEMAS
from orchestration.publish.warehouse import readable_like_published
from orchestration.quality.checks import data_docs_dir

log = logging.getLogger(__name__)

VENDOR = Path(__file__).parent / "docs_assets" / "vendor"
# The files the Great Expectations data docs load from CDNs -> their copy under VENDOR.
GX_CDN = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    # 1.19.0 is what the data docs ask for; its stylesheet is that of 1.19.1
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
}
# Loaded by every page but not needed: the dark-mode stylesheet, and the chart library (the suites
# here validate computed frames; no page draws a chart). Their tags are removed.
GX_DROPPED = (
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5",
    "https://cdn.jsdelivr.net/npm/vega-lite@5",
    "https://cdn.jsdelivr.net/npm/vega-embed@6",
)
# Great Expectations' logo, fetched from its web assets bucket; the package ships the same image.
GX_LOGO = re.compile(
    r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[a-z_-]+\.png(\?[^\"')]*)?"
)
GX_LOCAL_LOGO = "static/images/logo-long.png"

# dbt's docs page asks for files that do not exist before its scripts run (harmless behind a web
# server, failed requests when the page is opened as a file): SVG icons whose href is still the
# AngularJS template "{{ getIcon(...) }}" (AngularJS's ng-attr- prefix sets it once interpolated),
# and a favicon link whose build placeholder was never filled in.
DBT_PAGE_FIXES = (
    ('<use xlink:href="{{ getIcon(', '<use ng-attr-xlink:href="{{ getIcon('),
    ("""<link rel="shortcut icon" href="${require('./assets/favicons/favicon.ico')}"/>""", ""),
)

# Subresource integrity of a CDN file. A page opened from disk cannot check it (the check needs a
# CORS request, which file:// pages cannot make), so it is checked here against the local copy
# and the attributes are dropped; a copy that does not match keeps them (and fails to load).
SRI = re.compile(
    r'(?P<attr>src|href)="(?P<url>https?://[^"]+)"\s+'
    r'integrity="(?P<algo>sha256|sha384|sha512)-(?P<digest>[^"]+)"\s+crossorigin="anonymous"'
)

# A resource a page loads from the network (links a reader clicks are not loaded, and are kept).
REMOTE_RESOURCE = re.compile(
    r"""<(?:script|img|iframe|source)\b[^>]*\ssrc=["']https?://[^"']+["']"""
    r"""|<link\b[^>]*\shref=["']https?://[^"']+["']"""
    r"""|url\(\s*["']?https?://[^)]+\)""",
    re.IGNORECASE,
)


@dataclass
class DocsReport:
    path: Path
    seconds: float
    dbt_site: Path | None = None
    quality_site: Path | None = None
    remote_resources: list[str] = field(default_factory=list)  # left in a page: loads from the network

    def render(self) -> str:
        sites = [s for s in (self.dbt_site, self.quality_site) if s]
        return f"Docs: {self.path / 'index.html'} ({len(sites)} sites, {self.seconds:.1f} s, offline)"


def docs_dir(settings: Settings) -> Path:
    """<warehouse>.docs/ beside the published file."""
    return settings.warehouse.with_name(settings.warehouse.stem + ".docs")


def remote_resources(text: str) -> list[str]:
    return [m.group(0) for m in REMOTE_RESOURCE.finditer(text)]


# ---------------------------------------------------------------- the dbt docs site
def _for_readers(manifest: dict, catalog: str, settings: Settings) -> dict:
    """The build's manifest as readers see the warehouse: published tables under the published
    catalog; staging, intermediate models, seeds and sources marked as not published (they are
    documented for the lineage: where a number comes from), and no usage tracking from the page."""
    manifest = json.loads(json.dumps(manifest))
    manifest["metadata"]["send_anonymous_usage_stats"] = False
    for node in [*manifest["nodes"].values(), *manifest.get("sources", {}).values()]:
        if node.get("resource_type") not in ("model", "seed", "source"):
            continue
        name = node.get("alias") or node.get("identifier") or node["name"]
        if node["resource_type"] != "source" and node["schema"] in READER_SCHEMAS:
            node["database"] = catalog
            node["relation_name"] = f'"{catalog}"."{node["schema"]}"."{name}"'
            continue
        place = (
            f"schema `{node['schema']}` of the private build file `{settings.build_db}`"
            if node["resource_type"] != "source"
            else f"the private raw file `{settings.raw_db}` (the exports as delivered)"
        )
        node["database"] = "build" if node["resource_type"] != "source" else "raw"
        node["relation_name"] = None
        node["description"] = f"**Not in the published file**: {place}.\n\n" + (node.get("description") or "")
    return manifest


def published_catalog(con: duckdb.DuckDBPyConnection, manifest: dict) -> dict:
    """dbt's catalog artifact, read from the published file itself: its tables, column types and
    comments, for the manifest nodes the file holds (what `dbt docs generate` would query)."""
    catalog = con.execute("select current_database()").fetchone()[0]
    ids = {
        (node["schema"], node.get("alias") or node["name"]): uid
        for uid, node in manifest["nodes"].items()
        if node.get("resource_type") in ("model", "seed")
    }
    columns: dict[tuple[str, str], dict] = {}
    for schema, table, column, index, data_type, comment in con.execute(
        "select schema_name, table_name, column_name, column_index, data_type, comment from duckdb_columns() "
        "where database_name = current_database() order by schema_name, table_name, column_index"
    ).fetchall():
        columns.setdefault((schema, table), {})[column] = {
            "type": data_type,
            "index": index,
            "name": column,
            "comment": comment,
        }
    nodes = {}
    for schema, table, comment in con.execute(
        "select schema_name, table_name, comment from duckdb_tables() where database_name = current_database()"
    ).fetchall():
        uid = ids.get((schema, table))
        if uid is None:  # meta: written by the pipeline, not a dbt model
            continue
        nodes[uid] = {
            "metadata": {
                "type": "BASE TABLE",
                "schema": schema,
                "name": table,
                "database": catalog,
                "comment": comment,
                "owner": None,
            },
            "columns": columns.get((schema, table), {}),
            "stats": {
                "has_stats": {
                    "id": "has_stats",
                    "label": "Has Stats?",
                    "value": False,
                    "include": False,
                    "description": "Indicates whether there are statistics for this table",
                }
            },
            "unique_id": uid,
        }
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json",
            "dbt_version": manifest["metadata"].get("dbt_version"),
            "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "invocation_id": None,
            "env": {},
        },
        "nodes": nodes,
        "sources": {},
        "errors": None,
    }


def write_dbt_site(settings: Settings, manifest_path: Path, out_dir: Path) -> Path:
    """dbt's docs page with the manifest and a catalog of the published file inline: what
    `dbt docs generate --static` writes, without parsing the project again or opening the build."""
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    manifest = json.loads(Path(manifest_path).read_text())
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        catalog = published_catalog(con, manifest)
    readers = _for_readers(manifest, settings.warehouse.stem, settings)
    page = Path(DOCS_INDEX_FILE_PATH).read_text()
    for broken, fixed in DBT_PAGE_FIXES:
        page = page.replace(broken, fixed)
    page = page.replace('"MANIFEST.JSON INLINE DATA"', json.dumps(readers))
    page = page.replace('"CATALOG.JSON INLINE DATA"', json.dumps(catalog))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "index.html").write_text(page)
    return out_dir / "index.html"


# ---------------------------------------------------------------- the data-quality docs
def _verified(match: re.Match) -> str:
    local = GX_CDN.get(match["url"])
    if local is None:
        return match[0]
    digest = base64.b64encode(hashlib.new(match["algo"], (VENDOR / local).read_bytes()).digest()).decode()
    if digest != match["digest"]:
        log.warning("the local copy of %s is not the file the data docs pin (%s)", match["url"], local)
        return match[0]
    return f'{match["attr"]}="{match["url"]}"'


def _offline_page(text: str, page: Path, root: Path) -> str:
    """The page with every CDN file replaced by its local copy (relative paths, so the folder can move)."""
    vendor = os.path.relpath(root / "_vendor", page.parent)
    text = SRI.sub(_verified, text)
    for url in GX_DROPPED:
        text = re.sub(rf"""<script\b[^>]*\ssrc=["']{re.escape(url)}["'][^>]*>\s*</script>\s*""", "", text)
        text = re.sub(rf"""<link\b[^>]*\shref=["']{re.escape(url)}["'][^>]*>\s*""", "", text)
    for url, local in GX_CDN.items():
        text = text.replace(url, f"{vendor}/{local}")
    logo = os.path.relpath(root / GX_LOCAL_LOGO, page.parent)
    return GX_LOGO.sub(logo, text)


def write_quality_site(source: Path, out_dir: Path) -> tuple[Path, list[str]]:
    """Copy the data docs and make them offline. Returns the index page and any network resource left."""
    shutil.copytree(source, out_dir)
    shutil.copytree(VENDOR, out_dir / "_vendor")
    left = []
    for page in sorted(
        p for p in out_dir.rglob("*") if p.suffix in (".html", ".css") and "_vendor" not in p.parts
    ):
        text = _offline_page(page.read_text(), page, out_dir)
        page.write_text(text)
        left += [f"{page.relative_to(out_dir)}: {r}" for r in remote_resources(text)]
    return out_dir / "index.html", left


# ---------------------------------------------------------------- the folder
INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;line-height:1.5;color:#222}}
code{{background:#f3f3f3;padding:0 .2em}}li{{margin:.6em 0}}</style></head>
<body><h1>{title}</h1>
<p>The published warehouse <code>{warehouse}</code>: open it read-only with any DuckDB client.</p>
<ul>
{items}
</ul>
<p>Written {written} UTC by <code>ccw</code>; every run writes these pages again.</p>
</body></html>
"""


def _index(settings: Settings, dbt_page: Path | None, quality_page: Path | None) -> str:
    items = []
    if dbt_page:
        items.append(
            '<li><a href="dbt/index.html">Tables and columns</a>: every mart, dimension and quarantine table '
            "with its columns, keys, tests and lineage (dbt docs).</li>"
        )
    if quality_page:
        items.append(
            '<li><a href="quality/index.html">Data quality</a>: the checks of the last runs on the raw, staging '
            "and marts layers (Great Expectations data docs).</li>"
        )
    return INDEX.format(
        title="Contact-cost warehouse: documentation",
        warehouse=html.escape(str(settings.warehouse)),
        items="\n".join(items),
        written=time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    )


def write_docs(settings: Settings, manifest: Path) -> DocsReport:
    """Write <warehouse>.docs/ for the published warehouse as it is now (it must exist).

    manifest: the dbt manifest of the project the warehouse was built from."""
    if not settings.warehouse.exists():
        raise PipelineError(f"no published warehouse at {settings.warehouse}: run `ccw run` first")
    t0 = time.perf_counter()
    final = docs_dir(settings)
    fresh = final.with_name(final.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    dbt_page = write_dbt_site(settings, manifest, fresh / "dbt")
    quality_page, left = None, []
    if (data_docs_dir(settings) / "index.html").exists():
        quality_page, left = write_quality_site(data_docs_dir(settings), fresh / "quality")
    for item in left:
        log.warning("the data docs still load from the network: %s", item)
    (fresh / "index.html").write_text(_index(settings, dbt_page, quality_page))
    readable_like_published(fresh)  # for the readers of the published file, whatever the umask
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    fresh.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    report = DocsReport(
        path=final,
        seconds=time.perf_counter() - t0,
        dbt_site=final / "dbt" / "index.html",
        quality_site=final / "quality" / "index.html" if quality_page else None,
        remote_resources=left,
    )
    log.info("docs written to %s in %.1f s", final, report.seconds)
    return report
