"""Crawling on several machines through Redis (``newsarchive worker``, ``schedule --redis``). No Scrapy here.

``keys.py`` names every Redis key; ``locks.py`` is the per-source lease (``SET NX PX``, renewed while a crawl
runs, taken over when it lapses); ``queue.py`` the queue of due sources and the claims on them;
``dispatch.py`` what ``schedule --redis`` puts on it; ``worker.py`` the loop of ``newsarchive worker`` (a
child crawl per source into the worker's own shard); ``known.py`` the article keys workers share so none
refetches what another stored; ``child.py`` the wrapper that ends a crawl with its worker.
"""
