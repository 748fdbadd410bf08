"""Text helpers shared by extraction, storage, deduplication, search and publishing (no Scrapy)."""
