"""Typed errors for expected failures (STYLE.md §6, after ethereum/execution-specs' exceptions).

Bugs are ``AssertionError``/``RuntimeError`` and are never caught. Every message names the argument, what was
expected and what was found.
"""

from __future__ import annotations


class ZksvsError(Exception):
    """Base class for all failures *expected* in normal operation (bad input, bad files, rejected proofs).

    Every subclass pickles whatever its constructor's signature (``__reduce__``): an error raised in a worker
    process (``zksvs run --executor processes|ray``) reaches the driver as the same type with the same attributes.
    """

    def __reduce__(self):
        # Exception's own reduce calls cls(*self.args): wrong for subclasses whose __init__ takes other arguments
        return _rebuild_error, (type(self), self.args, self.__dict__)


def _rebuild_error(cls: type, args: tuple, state: dict) -> ZksvsError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


# --- input ------------------------------------------------------------------------------------------------------


class InputError(ZksvsError):
    """A value supplied by a user or a file is not acceptable."""


class MalformedTransaction(InputError):
    """A transaction is missing a field, has a field of the wrong type, or an out-of-range value."""


class UnknownRollup(InputError):
    """A transaction or submission names a chain_id (or account) that is not registered."""


class InsufficientBalance(InputError):
    """An account would be overdrawn, or a credit would pass 2^64 − 1."""


class NonceMismatch(InputError):
    """A transaction's nonce is not the sender's next nonce."""


class MalformedKey(InputError):
    """An EdDSA key is unusable: a private key that is not 32 bytes, or a public key that is not two Fr ints."""


class MalformedSignature(InputError):
    """An EdDSA signature is not well formed: R8 not two Fr ints, or S not a non-negative int.

    A well-formed signature that does not verify (S ≥ l, R8 off the curve, wrong key or message) is not malformed:
    ``zksvs.eddsa.verify_poseidon`` returns False for it.
    """


class InvalidSignature(InputError):
    """A transaction (or a swap order) is unsigned where a signature is needed, or its signature does not verify
    under the key in the signer's account leaf."""


class RecipientKeyError(InputError):
    """A credit names a recipient key that cannot be used: not a key that can sign (for a new account), or not the
    key of the existing account."""


class ActionFailed(InputError):
    """The action of a cross-rollup message cannot run on its destination chain's state (so its trigger is not
    included either); the message names the program and why."""


class MalformedPoint(InputError):
    """A curve point is not a valid group element: a coordinate ≥ q, off its curve, or (G2) outside the subgroup.

    Attributes
    ----------
    what : str
        The offending point, e.g. ``"proof.b"``, ``"items[2].proof.a"`` or ``"vk.ic[3]"``.
    reason : str
        What is wrong with it.
    """

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")


class MalformedProof(MalformedPoint):
    """A proof point (A, B or C) is not a valid group element."""


class MalformedVerifyingKey(MalformedPoint):
    """A verifying-key point (α, β, γ, δ or an IC point) is not a valid group element, or the key is degenerate."""


class UncontributedKey(InputError):
    """A key whose δ is the G2 generator (no phase-2 contribution: anyone can forge proofs) was refused (strict)."""


class BeaconTooCostly(InputError):
    """A beacon contribution asks for more SHA-256 iterations than ``zkey verify`` replays (2^28)."""


class MalformedSlotData(InputError):
    """A batch slot's committed data breaks the native rules of its kind (zksvs.statement.check_slot_data): a field
    that is not an exact int, an unknown kind, a field too wide for its slot-word bytes, a peer chain outside [0, K)
    or equal to the slot's own chain, or a non-zero field where the kind has none."""


class MalformedOpening(InputError):
    """A Merkle opening is not well formed: wrong type, a slot outside its tree, a wrong number of siblings (the tree's
    depth), or a value that is not a canonical field element."""


class PublicInputCountMismatch(InputError):
    """The number of public inputs is not the one the verifying key expects (``len(vk.ic) - 1``).

    Attributes
    ----------
    expected, got : int
        Inputs the key expects and inputs supplied.
    what : str
        The offending argument, e.g. ``"public_inputs"`` or ``"items[2].public_inputs"``.
    """

    def __init__(self, expected: int, got: int, what: str = "public_inputs") -> None:
        self.expected = expected
        self.got = got
        self.what = what
        super().__init__(f"{what}: wrong number of public inputs: the verifying key expects {expected}, got {got}")


# --- formats ----------------------------------------------------------------------------------------------------


class FormatError(ZksvsError):
    """A file or serialised object does not follow its format."""


class WrongFileType(FormatError):
    """A file's magic, version, protocol or curve is not the one expected."""


class TruncatedFile(FormatError):
    """A file (or one of its sections) is shorter than its header says.

    Attributes
    ----------
    path : str
        The file, or ``"<memory>"`` for an in-memory buffer.
    section : str
        The section being read (e.g. ``"header"``, ``"constraints"``).
    expected_bytes, got_bytes : int
        Size the header promised and size actually available.
    """

    def __init__(self, path: str, section: str, expected_bytes: int, got_bytes: int) -> None:
        self.path = path
        self.section = section
        self.expected_bytes = expected_bytes
        self.got_bytes = got_bytes
        super().__init__(f"{path}: section '{section}' is truncated: expected {expected_bytes} bytes, got {got_bytes}")


class NonCanonicalFieldElement(FormatError):
    """A field element is not in [0, modulus)."""


# --- constraint systems, setup ----------------------------------------------------------------------------------


class UnsatisfiedConstraint(ZksvsError):
    """A witness leaves a constraint unsatisfied.

    Attributes
    ----------
    index : int
        Position of the first unsatisfied constraint in the R1CS.
    label : str
        Its label (namespace path), e.g. ``"slot[3]/transfer/balance_range/bit[64]"``.
    """

    def __init__(self, index: int, label: str) -> None:
        self.index = index
        self.label = label
        super().__init__(f"constraint {index} ({label!r}) is not satisfied" if label else
                         f"constraint {index} is not satisfied (the circuit has no constraint labels)")  # fmt: skip


class InvalidWitness(ZksvsError):
    """A witness does not fit or does not satisfy the circuit, found without a constraint to name (another circuit's
    wire count, or a proof that fails its own key's verifying key)."""


class SetupError(ZksvsError):
    """A trusted setup cannot be made for this circuit or these parameters."""


class CircuitTooLarge(SetupError):
    """The circuit needs a larger evaluation domain than the powers of tau (or Fr's 2-adicity) provide."""

    def __init__(self, n_constraints: int, max_log_n: int, needed_log_n: int | None = None) -> None:
        self.n_constraints = n_constraints
        self.max_log_n = max_log_n
        self.needed_log_n = needed_log_n
        need = f" (needs 2^{needed_log_n})" if needed_log_n is not None else ""
        super().__init__(f"circuit of {n_constraints} constraints{need} exceeds the domain limit 2^{max_log_n}")


class NativeLibraryError(ZksvsError):
    """The prover's native library could not be built (no C compiler, a failed link); the prover uses numba."""


class NativeKernelError(ZksvsError):
    """A kernel of the prover's native library raised (numba's exception, returned as a status)."""


# --- settlement -------------------------------------------------------------------------------------------------


class ToolchainError(ZksvsError):
    """A tool the EVM settlement needs (node/npm, solc-js, pyrevm) is missing, cannot be installed, or failed.

    The message says which tool, what failed, and what to do (install Node.js, use ``--l1 model``, ...).
    """


class SettlementRejected(ZksvsError):
    """A shared batch was refused by the L1 settlement model.

    Attributes
    ----------
    check : str
        Name of the first failed check (e.g. ``"proof"``, ``"old_root"``, ``"burn_mint_equality"``).
    chain_id : int | None
        The rollup it failed for, where there is one.
    detail : str
        Human-readable specifics.
    """

    def __init__(self, check: str, chain_id: int | None, detail: str) -> None:
        self.check = check
        self.chain_id = chain_id
        self.detail = detail
        where = f" (rollup {chain_id})" if chain_id is not None else ""
        super().__init__(f"settlement check '{check}' failed{where}: {detail}")
