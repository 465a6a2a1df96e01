"""A local replica of an ANTARA regional portal, generated from a data file, for end-to-end tests.

Run it as `python -m tests.replica --data tests/replica/data/antara_kaltim.json --port 0`
(the bound port is stdout's first line). `tests.replica.expected` maps each data article to
the record the archiver must export; `tests.replica.synth` generates large data files.
See `tests/replica/README.md` for the data format.
"""
