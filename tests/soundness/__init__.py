"""Witness uniqueness and value domains of our R1CS circuits, decided by propagation and cvc5's finite-field solver.

Test-only (the product never imports cvc5; ``cvc5-gpl`` is in the ``test`` extra). The method, what each query
fixes, its limits and the latest sweep are in ``docs/uniqueness.md``; the entry points are
``tests.soundness.queries.check_uniqueness`` and ``check_domain``, the case catalogue ``tests.soundness.cases`` and
the sweep ``tools/smt_sweep.py``.
"""
