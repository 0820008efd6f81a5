"""The witness: the full assignment of an R1CS's wires (wire 0 = 1), with its public inputs.

References
----------
iden3 wtns format; snarkjs ``publicSignals = witness[1 .. nPublic]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zksvs.field import FR_MODULUS, require_canonical_fr
from zksvs.limbs import ints_to_limbs


@dataclass(frozen=True)
class Witness:
    """A full assignment: ``values[0] == 1``, every value canonical in [0, r).

    Raises
    ------
    NonCanonicalFieldElement
        A value is out of [0, r).
    ValueError
        The witness is empty or ``values[0] != 1``.
    """

    values: tuple[int, ...]

    def __init__(self, values: Sequence[int]) -> None:
        vals = tuple(values)
        if not vals or vals[0] != 1:
            raise ValueError(f"witness[0] must be 1 (the constant wire), not {vals[0] if vals else 'missing'}")
        for i, v in enumerate(vals):
            if not (isinstance(v, int) and 0 <= v < FR_MODULUS):
                require_canonical_fr(v, f"witness[{i}]")
        object.__setattr__(self, "values", vals)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> int:
        return self.values[i]

    def public_inputs(self, n_public: int) -> list[int]:
        """``witness[1 : 1 + n_public]``: the values snarkjs writes to public.json, in order."""
        return list(self.values[1 : 1 + n_public])

    def to_limbs(self) -> np.ndarray:
        """``uint64[n_wires, 4]`` little-endian limbs, normal form."""
        return ints_to_limbs(self.values)
