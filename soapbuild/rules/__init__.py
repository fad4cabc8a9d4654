"""The checks: pure functions from a parsed note (and the context) to hits.

Each module holds one family. A check never prints, writes or reads a file;
severity, suppression and output are the checker's and the formatters' job.
"""
