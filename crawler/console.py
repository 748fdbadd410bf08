"""The one console that progress bars and messages share, so they never garble each other."""

from rich.console import Console

stderr_console = Console(stderr=True, highlight=False)
