"""Watching runs: the run monitor, drift alarms, crawlall run logs, the report."""
