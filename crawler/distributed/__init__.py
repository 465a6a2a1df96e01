"""Distributed mode on scrapy-redis: the add-on, the worker scheduler, the Redis scripts."""
