"""The archive's templates (publish/templates) for any Datasette that loads these plugins.

Datasette looks for a plugin's templates in a ``templates`` folder inside the plugin's own package; ours are
beside the plugins, in ``publish/templates``. So they are added to the template search path the way Datasette
adds a plugin's: after a ``--template-dir`` the user gives (which still overrides them), before Datasette's
own defaults (which ``default:NAME.html`` still reaches).
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from jinja2 import ChoiceLoader, FileSystemLoader

from publish import TEMPLATES_DIR


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    loader = env.loader
    first = loader.loaders[0] if isinstance(loader, ChoiceLoader) and loader.loaders else None
    path = str(TEMPLATES_DIR)
    if isinstance(first, FileSystemLoader):
        if path not in first.searchpath:
            first.searchpath.insert(max(len(first.searchpath) - 1, 0), path)
    else:  # not the loader Datasette 0.65 builds: ours first, then whatever it was
        env.loader = ChoiceLoader([FileSystemLoader(path), loader])
    if env.cache is not None:  # nothing is loaded yet at startup; a template cached before would be stale
        env.cache.clear()
