"""The sweep as tests: every gadget and circuit case of ``tests.soundness.sweep`` (fast tier; all with --smt-full).

A sound case must come out ``unique`` / ``in domain``; a mutant must give a ``counterexample`` checked on its full
R1CS. Cases that fail on today's main because of an audit finding are strict xfails naming the finding (they flip
when the fix on branch circ8 lands).
"""

from __future__ import annotations

import pytest

from tests.soundness.sweep import Case, all_cases

TIMEOUT_S = 20.0
_ASCII = str.maketrans({"∈": "in", "∉": "notin", "−": "-", "→": "->", "·": "*", "≤": "<="})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    params = []
    for c in all_cases(full=metafunc.config.getoption("--smt-full")):
        marks = [pytest.mark.smt_full] if c.tier == "full" else []
        if c.finding:
            marks.append(pytest.mark.xfail(strict=True, reason=c.finding))
        params.append(pytest.param(c, id=c.key.translate(_ASCII), marks=marks))
    metafunc.parametrize("case", params)


def test_sweep_case(case: Case) -> None:
    res = case.run(TIMEOUT_S)
    if case.expect_safe:
        assert res.safe, str(res)
    else:
        assert res.status == "counterexample", str(res)
