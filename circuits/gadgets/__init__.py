"""Gadgets: reusable constraint snippets over ``circuits.builder.ConstraintBuilder``.

Every gadget takes the builder first, opens its own namespace (so labels read ``.../range/bit[7]``), and documents
``Constrains`` / ``Cost`` / ``Assumes`` / ``Rejects`` (STYLE.md §6). Costs are for non-constant inputs; constant
inputs fold to fewer constraints (often none). Gadgets whose soundness rests on a caller obligation end in
``_unchecked``; booleanity obligations are carried by the ``Bool`` type instead.

Modules: ``boolean`` (assert_bool, select, and_, or_, not_, xor), ``bits`` (to_bits, from_bits), ``range``
(assert_range, sub_in_range, add_in_range), ``compare`` (is_zero, is_equal, assert_equal, assert_le, is_lt and their
``_unchecked`` forms), ``poseidon`` (permutation and circomlib-compatible hash), ``merkle`` (root, opening, update;
the 2-to-1 hash is a parameter), ``babyjub`` (Baby Jubjub: on-curve check, Edwards add/double, ``mul8``, fixed- and
variable-base scalar multiplication), ``eddsa`` (the EdDSA-Poseidon verifier with an ``enabled`` input).
"""
