"""The public estimators' and load_csv's numpydoc docstrings: their Examples run, and every parameter is
documented with the default its signature has (the signature is the default's one home; the docstring may not
drift from it)."""
import ast
import doctest
import inspect
import re

import pytest

from hexagan.data import load_csv
from hexagan.model.estimators import HexaGANClassifier, HexaGANImputer

DOCUMENTED = [HexaGANImputer, HexaGANClassifier, load_csv]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("obj", DOCUMENTED, ids=lambda obj: obj.__name__)
def test_the_examples_run(obj, capsys):
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder(recurse=False).find(obj, obj.__name__, globs={}):
        runner.run(test)
    report = capsys.readouterr().out
    assert runner.tries > 0, f"{obj.__name__} has no Examples"
    assert runner.failures == 0, report


def documented_parameters(obj) -> dict[str, str | None]:
    """Name -> what follows ``default=`` on its line of the Parameters section (None: no default stated)."""
    doc = inspect.getdoc(obj)
    section = doc.split("Parameters\n----------\n", 1)[1]
    section = re.split(r"\n\n[A-Z][A-Za-z ]*\n-+\n", section, maxsplit=1)[0]  # up to the next section
    out = {}
    for line in section.splitlines():
        entry = re.match(r"(\w+(?:, \w+)*) : (.*)$", line)  # an entry starts unindented, its text follows indented
        if entry:
            default = re.search(r"default=(.+)$", entry.group(2))
            out.update(dict.fromkeys(entry.group(1).split(", "), default.group(1) if default else None))
    return out


@pytest.mark.parametrize("obj", DOCUMENTED, ids=lambda obj: obj.__name__)
def test_every_parameter_is_documented_with_its_default(obj):
    parameters = {name: p for name, p in inspect.signature(obj).parameters.items()}
    documented = documented_parameters(obj)
    assert set(documented) == set(parameters)
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty:
            assert documented[name] is None, name
        else:
            assert documented[name] is not None, f"{name}: no default=..."
            assert ast.literal_eval(documented[name]) == parameter.default, name
