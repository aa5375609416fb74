"""The one place that decides who may enter: read → rules → write.

- `read.py` reads, in plain ORM queries, everything the rules need about one presented
  credential at one checkpoint, into a `ScanContext`;
- `rules.py` decides from a `ScanContext` alone (no database), in the order of the reason
  codes of docs/terminals.md;
- `decide.py` writes what the rules decided for a live scan: the quota visit, the charge and
  the decision row, in one transaction;
- `offline.py` records what terminals decided from their allow-list, through the same rules;
- `rights.py` is where another capability adds a right to pass (bookings) without `access`
  importing it.
"""
