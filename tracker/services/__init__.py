"""Changing data: validate -> one transaction -> audit -> commit. `base.transaction` owns the
commit; each module is one use case (seed.py: the seed file and the province outlines)."""
