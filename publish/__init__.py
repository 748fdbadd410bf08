"""Publishing the archive with Datasette: configuration, metadata, templates and plugins in one folder.

``datasette_serve_args`` is what ``newsarchive serve`` runs; ``make_datasette`` builds the same configuration
in-process for tests and benchmarks. Per-database configuration (table metadata, facets, full-text search,
canned queries) is supplied by the plugins in ``plugins/`` for *every* database served, so it applies whatever
the database file is called (``archive.db`` is served as ``archive``, ``x.db`` as ``x``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from datasette.app import Datasette

PUBLISH_DIR = Path(__file__).resolve().parent
METADATA_PATH = PUBLISH_DIR / "metadata.yml"  # instance-level: title, description, license, about
TABLES_PATH = PUBLISH_DIR / "tables.yml"  # per-database: tables, columns, facets, search (see archive_config)
PLUGINS_DIR = PUBLISH_DIR / "plugins"
TEMPLATES_DIR = PUBLISH_DIR / "templates"

DEFAULT_HOST = "127.0.0.1"
PUBLIC_HOST = "0.0.0.0"
DEFAULT_PORT = 8001

# Datasette's own limits (sql_time_limit_ms=1000, max_returned_rows=1000, ...) are kept as they are.
# Facet suggestions scan every column of the filtered rows on each table page: too slow for a large archive,
# and the useful facets are configured in tables.yml.
SETTINGS: dict[str, Any] = {"suggest_facets": False}
# What --public changes besides listening on every interface: no download of the whole database file and no
# streaming of every row as CSV (pages of JSON/CSV stay available), so a public site cannot be made to send
# gigabytes per request. SQL stays allowed, under the same time limit.
PUBLIC_SETTINGS: dict[str, Any] = {"allow_download": False, "allow_csv_stream": False}


def _setting_arg(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def settings_for(*, public: bool = False) -> dict[str, Any]:
    return {**SETTINGS, **(PUBLIC_SETTINGS if public else {})}


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fp:
        return dict(yaml.safe_load(fp) or {})


def load_metadata() -> dict[str, Any]:
    return load_yaml(METADATA_PATH)


PLUGIN_MODULES = tuple(
    f"publish.plugins.{path.stem}" for path in sorted(PLUGINS_DIR.glob("archive_*.py"))
)  # registered as entry points (pyproject.toml, [project.entry-points.datasette])


def plugins_installed() -> bool:
    """Whether the installed package registers our plugins with Datasette (its entry points): then any
    ``datasette`` finds them, and passing ``--plugins-dir`` as well would load each one twice."""
    from importlib.metadata import entry_points

    registered = {entry.value for entry in entry_points(group="datasette")}
    return set(PLUGIN_MODULES) <= registered


def plugins_dir() -> str | None:
    return None if plugins_installed() else str(PLUGINS_DIR)


def write_inspect_file(db_path: str, folder: Path) -> Path:
    """``datasette inspect``'s JSON for ``db_path`` (its hash and every table's row count) in ``folder``: with
    ``--inspect-file`` an immutable archive's pages show counts without counting on each request."""
    import asyncio
    import json

    from datasette.cli import inspect_

    data = asyncio.run(inspect_([str(db_path)], ()))
    path = folder / f"{Path(db_path).stem}.inspect.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def datasette_serve_args(
    db_path: str, *, public: bool = False, immutable: bool = False, inspect_file: str | None = None
) -> list[str]:
    """The argv after ``datasette`` that serves ``db_path`` read-only with the archive's configuration.

    The plugins (and through ``archive_templates`` the templates) come from the installed package's entry
    points, as for a plain ``datasette archive.db``; ``--plugins-dir`` only when the package is not installed.

    ``immutable=True`` serves the file as immutable (``datasette -i``: opened with ``immutable=1``, never
    written, counts from ``inspect_file`` when given), for a snapshot no crawl writes to any more.

    Listens on 127.0.0.1:8001; ``public=True`` listens on 0.0.0.0 and turns off whole-database download and
    CSV streaming of all rows. Options the caller appends after these win (click keeps the last value), so
    ``--port 9000`` or ``--setting sql_time_limit_ms 3000`` can be given by the user.
    """
    local_plugins = plugins_dir()
    args = [
        "serve",
        *(["-i"] if immutable else []),  # `-i FILE`: served as an immutable file, never written
        str(db_path),
        *(["--inspect-file", inspect_file] if inspect_file else []),
        "--metadata",
        str(METADATA_PATH),
        *(["--plugins-dir", local_plugins] if local_plugins else []),
        "--host",
        PUBLIC_HOST if public else DEFAULT_HOST,
        "--port",
        str(DEFAULT_PORT),
    ]
    for name, value in settings_for(public=public).items():
        args += ["--setting", name, _setting_arg(value)]
    return args


def make_datasette(db_path: str, *, public: bool = False) -> Datasette:
    """A ``datasette.app.Datasette`` configured exactly as ``datasette_serve_args`` configures ``serve``."""
    from datasette.app import Datasette  # imported here: importing publish must not need Datasette's startup

    return Datasette(
        files=[str(db_path)],
        metadata=load_metadata(),
        plugins_dir=plugins_dir(),
        settings=settings_for(public=public),
    )
