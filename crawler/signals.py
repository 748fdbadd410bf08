"""Signals of newsarchive's own, sent through the crawler's signal manager."""

# An input could not become an article: kwargs input (file or URL), reason (one line), stage, counted.
# ``counted`` says whether it counts as failed (True) or only as dropped (a page that is not an article).
document_failed = object()
