"""Plain Python-int references for the prover's NTT, QAP and setup (slow, obviously correct; stumpy ``naive.py``).

Nothing here shares code with ``prover``: roots of unity come from ``zksvs.field.fr_root_of_unity`` (which is
ffjavascript's definition), everything else is schoolbook arithmetic mod r on Python ints, O(n²) at worst, so keep n
small (≤ 2^8).
"""

from __future__ import annotations

from collections.abc import Sequence

from zksvs.field import FR_MODULUS, fr_root_of_unity
from zksvs.r1cs import R1CS

R = FR_MODULUS


def domain_elements(log_n: int) -> list[int]:
    """ω^i, i < 2^log_n, with ω = fr_root_of_unity(log_n)."""
    w = fr_root_of_unity(log_n)
    return [pow(w, i, R) for i in range(1 << log_n)]


def naive_dft(coeffs: Sequence[int], omega: int) -> list[int]:
    """X_k = Σ_j x_j ω^{jk} mod r, O(n²)."""
    n = len(coeffs)
    return [sum(c * pow(omega, j * k, R) for j, c in enumerate(coeffs)) % R for k in range(n)]


def naive_idft(values: Sequence[int], omega: int) -> list[int]:
    """x_j = n^{-1} Σ_k X_k ω^{-jk} mod r, O(n²)."""
    n = len(values)
    n_inv = pow(n, -1, R)
    return [c * n_inv % R for c in naive_dft(values, pow(omega, -1, R))]


def poly_eval(coeffs: Sequence[int], x: int) -> int:
    """Σ c_i x^i mod r (Horner)."""
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % R
    return acc


def poly_mul(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """Schoolbook product of coefficient lists mod r."""
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] = (out[i + j] + x * y) % R
    return out


def poly_sub(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """a − b mod r, as coefficient lists."""
    n = max(len(a), len(b))
    a = list(a) + [0] * (n - len(a))
    b = list(b) + [0] * (n - len(b))
    return [(x - y) % R for x, y in zip(a, b, strict=True)]


def lagrange_basis_at(points: Sequence[int], tau: int) -> list[int]:
    """L_j(τ) = Π_{k≠j} (τ − x_k)/(x_j − x_k) for each point x_j, by the product formula, O(n²)."""
    out = []
    for j, xj in enumerate(points):
        num = den = 1
        for k, xk in enumerate(points):
            if k != j:
                num = num * (tau - xk) % R
                den = den * (xj - xk) % R
        out.append(num * pow(den, -1, R) % R)
    return out


def domain_log_size(n_constraints: int, n_public: int) -> int:
    """snarkjs ``zkey_new.js``: log2(nConstraints + nPublic + 1 − 1) + 1 with a floor log2 (log2(0) = 0)."""
    v = n_constraints + n_public
    floor_log2 = v.bit_length() - 1 if v > 0 else 0
    return floor_log2 + 1


def qap_row_values(r1cs: R1CS, witness: Sequence[int], log_n: int) -> tuple[list[int], list[int], list[int]]:
    """⟨A_k, w⟩, ⟨B_k, w⟩, ⟨C_k, w⟩ for every row k of the 2^log_n domain.

    The input rows (row n_constraints + s, A-coefficient 1 on wire s for s = 0..n_public; B and C zero) are added
    as snarkjs's ``zkey_new.js`` does; rows past them are zero. C uses the R1CS's own C matrix (not A∘B).
    """
    n = 1 << log_n
    a, b, c = [0] * n, [0] * n, [0] * n
    for k, con in enumerate(r1cs.constraints):
        a[k] = con.a.evaluate(witness)
        b[k] = con.b.evaluate(witness)
        c[k] = con.c.evaluate(witness)
    for s in range(r1cs.n_public + 1):
        a[r1cs.n_constraints + s] = witness[s] % R
    return a, b, c


def qap_polynomials(r1cs: R1CS, witness: Sequence[int], log_n: int) -> tuple[list[int], list[int], list[int]]:
    """Coefficients of A(x), B(x), C(x): the row values interpolated over ⟨ω⟩ (naive inverse DFT)."""
    omega = fr_root_of_unity(log_n)
    return tuple(naive_idft(v, omega) for v in qap_row_values(r1cs, witness, log_n))  # type: ignore[return-value]


def wire_polynomials_at(r1cs: R1CS, log_n: int, tau: int) -> tuple[list[int], list[int], list[int]]:
    """u_i(τ), v_i(τ), w_i(τ) for every wire i, by Lagrange interpolation over ⟨ω⟩ (input rows in u)."""
    lag = lagrange_basis_at(domain_elements(log_n), tau)
    u = [0] * r1cs.n_wires
    v = [0] * r1cs.n_wires
    w = [0] * r1cs.n_wires
    for k, con in enumerate(r1cs.constraints):
        for dst, lc in ((u, con.a), (v, con.b), (w, con.c)):
            for wire, coeff in lc.terms.items():
                dst[wire] = (dst[wire] + coeff * lag[k]) % R
    for s in range(r1cs.n_public + 1):
        u[s] = (u[s] + lag[r1cs.n_constraints + s]) % R
    return u, v, w


# --- test circuits (built by hand with zksvs.r1cs) ---------------------------------------------------------------


def cubic_circuit() -> tuple[R1CS, list[int]]:
    """x³ + x + 5 = out with out public (wires: 0 = 1, 1 = out, 2 = x, 3 = x², 4 = x³), and the witness for x = 3."""
    from zksvs.r1cs import Constraint, LinearCombination

    L = LinearCombination
    cons = [
        Constraint(L.wire(2), L.wire(2), L.wire(3), "x_squared"),
        Constraint(L.wire(3), L.wire(2), L.wire(4), "x_cubed"),
        Constraint(L.wire(4) + L.wire(2) + 5, L.constant(1), L.wire(1), "out"),
    ]
    return R1CS(n_wires=5, n_public=1, constraints=cons), [1, 35, 3, 9, 27]


def random_circuit(n_constraints: int, n_public: int, seed: int) -> tuple[R1CS, list[int]]:
    """A satisfiable random-ish circuit and its witness (seeded).

    Public wires 1..n_public are inputs with random values. Each constraint k multiplies two random linear
    combinations (1–3 terms, random coefficients, over wire 0 and earlier wires) and defines a fresh private wire
    t_k through C = t_k + c·(an earlier wire), so C rows have more than one term too. The last constraint binds
    the first public wire again, so every public wire is used.
    """
    import random

    from zksvs.r1cs import Constraint, LinearCombination

    rnd = random.Random(seed)
    values = [1] + [rnd.randrange(R) for _ in range(n_public)]
    cons: list[Constraint] = []

    def rand_lc() -> LinearCombination:
        terms: dict[int, int] = {}
        for _ in range(rnd.randint(1, 3)):
            wire = rnd.randrange(len(values))
            terms[wire] = rnd.choice([1, R - 1, rnd.randrange(1, 1 << 16), rnd.randrange(R)])
        return LinearCombination(terms)

    for k in range(n_constraints):
        a, b = rand_lc(), rand_lc()
        if k < n_public:  # make sure every public wire appears
            a = a + LinearCombination.wire(1 + k)
        other = rnd.randrange(len(values))
        coeff = rnd.randrange(R)
        t = (a.evaluate(values) * b.evaluate(values) - coeff * values[other]) % R
        values.append(t)
        c = LinearCombination({len(values) - 1: 1}) + LinearCombination({other: coeff})
        cons.append(Constraint(a, b, c, f"random[{k}]"))
    return R1CS(n_wires=len(values), n_public=n_public, constraints=cons), values
