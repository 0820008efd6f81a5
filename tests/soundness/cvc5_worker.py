"""Child process that runs one cvc5 query (finite-field theory) from a JSON problem on stdin; answer on stdout.

Run by ``tests.soundness.smt.solve`` in its own process, so that a query the solver cannot finish is killed at its
deadline (cvc5's own ``tlimit-per`` is not honoured inside the Gröbner-basis computation). This module is the only
one that imports cvc5 (PyPI ``cvc5-gpl``: the BSD ``cvc5`` wheel is built without the finite-field solver).

Problem: ``{"modulus": "<r>", "n_vars": n, "assertions": [formula, …], "tlimit_ms": t}``; a linear combination is
``[[var, "coeff"], …]`` with var −1 for the constant; formulas are ``["rel", A, B, C]`` (A·B = C), ``["eq", L, R]``,
``["not", f]``, ``["or", [f, …]]``, ``["and", [f, …]]``. Answer: ``{"status": "sat"|"unsat"|"unknown",
"reason": str, "model": ["<value>", …]}`` (the model only when sat).

Options: the default Gröbner-basis solver (``ff-solver=gb``). The experimental ``split`` solver is not used: cvc5
1.4.2's ``split`` answers unsat for the satisfiable "7 boolean bits of 5 over F_101 with bit 0 ≠ 1" (5 + 101 = 106
is even), see ``tests/soundness/test_smt.py``.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    import cvc5
    from cvc5 import Kind

    problem = json.load(sys.stdin)
    tm = cvc5.TermManager()
    solver = cvc5.Solver(tm)
    solver.setOption("produce-models", "true")
    solver.setOption("tlimit-per", str(int(problem.get("tlimit_ms", 0))))
    solver.setLogic("QF_FF")
    sort = tm.mkFiniteFieldSort(problem["modulus"])
    xs = [tm.mkConst(sort, f"w{i}") for i in range(problem["n_vars"])]
    zero = tm.mkFiniteFieldElem("0", sort)

    def lc(terms):
        parts = []
        for v, c in terms:
            k = tm.mkFiniteFieldElem(c, sort)
            if v < 0:
                parts.append(k)
            elif c == "1":
                parts.append(xs[v])
            else:
                parts.append(tm.mkTerm(Kind.FINITE_FIELD_MULT, k, xs[v]))
        if not parts:
            return zero
        if len(parts) == 1:
            return parts[0]
        return tm.mkTerm(Kind.FINITE_FIELD_ADD, *parts)

    def formula(f):
        op = f[0]
        if op == "rel":
            return tm.mkTerm(Kind.EQUAL, tm.mkTerm(Kind.FINITE_FIELD_MULT, lc(f[1]), lc(f[2])), lc(f[3]))
        if op == "eq":
            return tm.mkTerm(Kind.EQUAL, lc(f[1]), lc(f[2]))
        if op == "not":
            return tm.mkTerm(Kind.NOT, formula(f[1]))
        if op in ("or", "and"):
            subs = [formula(g) for g in f[1]]
            if not subs:
                return tm.mkBoolean(op == "and")
            if len(subs) == 1:
                return subs[0]
            return tm.mkTerm(Kind.OR if op == "or" else Kind.AND, *subs)
        raise ValueError(f"unknown formula {op!r}")

    for f in problem["assertions"]:
        solver.assertFormula(formula(f))
    res = solver.checkSat()
    out: dict = {"status": "unknown", "reason": str(res)}
    if res.isSat():
        out = {"status": "sat", "reason": "", "model": [str(solver.getValue(x).getFiniteFieldValue()) for x in xs]}
    elif res.isUnsat():
        out = {"status": "unsat", "reason": ""}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
