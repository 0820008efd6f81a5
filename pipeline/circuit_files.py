"""``zksvs r1cs info`` and ``zksvs wtns check``: what a .r1cs holds, and whether a .wtns satisfies it.

Both follow snarkjs 0.7.6 (``src/r1cs_info.js``, ``src/wtns_check.js``): the same counts under the same names, and
the first unsatisfied constraint in file order. Signal names come from circom's ``.sym`` file when there is one
(circom ``--sym``: one ``label_id,wire,component_id,name`` line per signal, wire −1 for a signal optimised away).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from zksvs.errors import FormatError, InputError
from zksvs.field import FR_MODULUS
from zksvs.formats.r1cs_file import read_r1cs_file, read_r1cs_header
from zksvs.formats.wtns_file import read_wtns

#: snarkjs's name of BN254 (``r1cs info`` prints ``Curve: bn-128``).
CURVE_NAME = "bn-128"


def r1cs_info(path: str | os.PathLike) -> dict:
    """The header counts of a ``.r1cs`` file, under snarkjs's names.

    Returns
    -------
    dict
        ``curve``, ``wires``, ``constraints``, ``private_inputs``, ``public_inputs``, ``labels``, ``outputs``.

    Raises
    ------
    WrongFileType, TruncatedFile, FormatError
        Not a BN254 r1cs v1 file, or its header is cut or inconsistent.
    """
    h = read_r1cs_header(path)
    return {
        "curve": CURVE_NAME,
        "wires": h.n_wires,
        "constraints": h.n_constraints,
        "private_inputs": h.n_prv_in,
        "public_inputs": h.n_pub_in,
        "labels": h.n_labels,
        "outputs": h.n_pub_out,
    }


#: ``r1cs_info`` keys → the line snarkjs prints for them, in its order.
INFO_LINES = (
    ("curve", "Curve"),
    ("wires", "# of Wires"),
    ("constraints", "# of Constraints"),
    ("private_inputs", "# of Private Inputs"),
    ("public_inputs", "# of Public Inputs"),
    ("labels", "# of Labels"),
    ("outputs", "# of Outputs"),
)


def read_sym(path: str | os.PathLike) -> dict[int, str]:
    """Wire index → signal name from a circom ``.sym`` file (the first name of each wire; optimised ones skipped).

    Raises
    ------
    FormatError
        A line is not ``label_id,wire,component_id,name`` with integer ids.
    """
    names: dict[int, str] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            parts = line.rstrip("\r\n").split(",", 3)
            try:
                wire = int(parts[1])
                if len(parts) != 4:
                    raise ValueError
            except (ValueError, IndexError):
                raise FormatError(f"{path}:{n}: not a circom .sym line (label_id,wire,component_id,name)") from None
            if wire >= 0 and wire not in names:
                names[wire] = parts[3]
    return names


@dataclass(frozen=True)
class WitnessCheck:
    """The verdict of ``check_witness``.

    Attributes
    ----------
    n_constraints : int
    failed : int | None
        Index of the first unsatisfied constraint (0-based, file order), or None when all hold.
    a, b, c : int
        ⟨A, w⟩, ⟨B, w⟩, ⟨C, w⟩ of the failed constraint (mod r).
    signals : list[str]
        Names of the wires with a non-zero coefficient in the failed constraint (``.sym`` names, else ``w<i>``).
    """

    n_constraints: int
    failed: int | None = None
    a: int = 0
    b: int = 0
    c: int = 0
    signals: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every constraint holds."""
        return self.failed is None


def check_witness(
    r1cs_path: str | os.PathLike, wtns_path: str | os.PathLike, sym_path: str | os.PathLike | None = None
) -> WitnessCheck:
    """Evaluate every constraint of ``r1cs_path`` on the witness of ``wtns_path``; stop at the first that fails.

    Parameters
    ----------
    r1cs_path, wtns_path : path
        The circuit and the witness (BN254).
    sym_path : path, optional
        circom's ``.sym`` for signal names.

    Raises
    ------
    InputError
        The witness does not have one value per wire of the circuit.
    WrongFileType, TruncatedFile, FormatError, NonCanonicalFieldElement
        A file is not a valid BN254 .r1cs / .wtns / .sym.
    """
    rf = read_r1cs_file(r1cs_path)
    witness = read_wtns(wtns_path).values
    r1cs = rf.r1cs
    if len(witness) != r1cs.n_wires:
        raise InputError(
            f"{wtns_path} has {len(witness)} values but {r1cs_path} has {r1cs.n_wires} wires: "
            "the witness is not of this circuit"
        )
    for i, con in enumerate(r1cs.constraints):
        a, b, c = con.a.evaluate(witness), con.b.evaluate(witness), con.c.evaluate(witness)
        if a * b % FR_MODULUS != c:
            names = read_sym(sym_path) if sym_path is not None else {}
            wires = sorted({w for lc in (con.a, con.b, con.c) for w in lc.terms if w != 0})
            return WitnessCheck(r1cs.n_constraints, i, a, b, c, tuple(names.get(w, f"w{w}") for w in wires))
    return WitnessCheck(r1cs.n_constraints)


def default_sym(r1cs_path: str | os.PathLike) -> Path | None:
    """circom writes ``CIRCUIT.sym`` beside ``CIRCUIT.r1cs``: that file when it exists, else None."""
    p = Path(r1cs_path).with_suffix(".sym")
    return p if p.is_file() else None
