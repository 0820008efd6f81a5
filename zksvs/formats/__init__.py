"""File formats shared with circom and snarkjs: iden3 ``.r1cs``, ``.wtns``, ``.zkey``, ``.ptau`` and snarkjs JSON.

Modules (import the one you need; each is numpy/py_ecc only):
- ``binfile``: the iden3 section file every binary format uses (reader with named sections, writer, limb views);
- ``r1cs_file``: ``read_r1cs``, ``read_r1cs_matrices``, ``write_r1cs``;
- ``wtns_file``: ``read_wtns``, ``read_wtns_limbs``, ``write_wtns``;
- ``snarkjs_json``: verification_key.json / proof.json / public.json;
- ``zkey_file``: Groth16 ``.zkey`` (``read_zkey``, ``write_zkey``, ``export_verifying_key``);
- ``ptau_file``: powers of tau (``read_ptau``), including the prepared Lagrange sections.

Every reader takes a path, a binary file object or bytes; every writer a path or a binary file object. Malformed
files raise ``zksvs.errors.FormatError`` subclasses that name the file and the section or key.

Boundary: may import the standard library, numpy, py_ecc and the zksvs core types. Must not import circuits, prover,
verifier, sequencer, pipeline or numba.
"""
