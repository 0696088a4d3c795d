"""The HTTP layer sits on the facade like the CLI: it imports ``oprisk.api`` (plus errors and the
domain's vocabulary), and nothing below it imports ``oprisk.http``."""

from __future__ import annotations

from tests.test_architecture import SRC, oprisk_imports

#: what oprisk.http may import besides itself
HTTP_MAY_IMPORT = {"api", "errors", "domain", "capital", "http"}


def test_http_imports_only_the_facade_and_the_vocabulary():
    bad = {
        str(p.relative_to(SRC)): wrong
        for p in (SRC / "http").rglob("*.py")
        if (wrong := oprisk_imports(p) - HTTP_MAY_IMPORT)
    }
    assert not bad, bad


def test_nothing_below_the_interfaces_imports_http():
    users = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "http" in oprisk_imports(p) and p.parent.name != "http"
    }
    assert users == {"cli/serve.py"}
