"""No locals-laden tracebacks for client errors.

When ``rich`` is importable (a project dependency, for the CLI), Datasette 0.65's default exception handler
prints every exception — each 404 and 400 included — with all its local variables, the request's headers
and cookies among them: a tenth of a second of CPU per bad URL and secrets in the log. Datasette offers no
setting for it, so its handler's ``rich`` reference is cleared; server errors (500) still print a plain
traceback (``traceback.print_exc``), and responses are unchanged.
"""

from __future__ import annotations

import datasette.handle_exception as default_handler

default_handler.rich = None
