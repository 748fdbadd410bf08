"""The Datasette version and the hooks the publishing plugins rely on: an upgrade that drops or renames one
fails here by name, before any page test does."""

from __future__ import annotations

from typing import Any

from datasette.version import __version__ as datasette_version

from tests.support.publish_fixtures import archive, ds

__all__ = ["archive", "ds"]

EXPECTED_HOOKS = {
    "archive_config.py": {"get_metadata", "canned_queries", "filters_from_request"},
    "archive_search.py": {"prepare_connection", "render_cell"},
    "archive_reader.py": {"extra_template_vars", "render_cell"},
    "archive_feeds.py": {"register_output_renderer"},
    "archive_health.py": {"register_routes"},
}


def test_datasette_is_in_the_supported_range() -> None:
    major, minor, *_ = (int(part) for part in datasette_version.split(".")[:3])
    assert (major, minor) == (0, 65), f"publish/ is written for Datasette 0.65.x, found {datasette_version}"


async def test_plugins_are_loaded_with_their_hooks(ds: Any) -> None:
    from datasette.plugins import pm

    # By module: entry points (publish.plugins.archive_config) or, from a checkout that is not installed,
    # --plugins-dir (archive_config.py). /-/plugins.json names entry-point plugins by their package.
    plugins = {
        f"{plugin.__name__.removesuffix('.py').rsplit('.', 1)[-1]}.py": {
            h.name for h in pm.get_hookcallers(plugin)
        }
        for plugin in pm.get_plugins()
    }
    listed = {plugin["name"] for plugin in (await ds.client.get("/-/plugins.json")).json()}
    assert "newsarchive" in listed or "archive_config.py" in listed
    for name, hooks in EXPECTED_HOOKS.items():
        assert name in plugins, f"{name} not loaded"
        assert hooks <= plugins[name], f"{name}: missing {hooks - plugins[name]}"


async def test_no_plugin_that_writes_is_installed(ds: Any) -> None:
    plugins = {plugin["name"] for plugin in (await ds.client.get("/-/plugins.json")).json()}
    writers = {
        "datasette-write",
        "datasette-write-ui",
        "datasette-insert",
        "datasette-edit-schema",
        "datasette-upload-csvs",
        "datasette-auth-tokens",
        "datasette-enrichments",
    }
    assert not plugins & writers
