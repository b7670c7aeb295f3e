"""The package's structure (issue 15): no import cycle, layers that import in one direction,
no private name imported across modules, and one registry every review entry derives from.

The import graph is read with the standard library's ``ast`` from the source files, so every
import counts: module level, inside functions (the lazy imports of heavy libraries) and under
``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import audit_lib

ROOT = Path(audit_lib.__file__).parent


def _modules() -> dict[str, Path]:
    mods = {}
    for f in ROOT.rglob("*.py"):
        parts = list(f.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = f
    return mods


MODULES = _modules()


def _imports(module: str, path: Path) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for each import in ``module``."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "", node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                found.append(
                    (sub, "", node.lineno) if sub in MODULES else (target, a.name, node.lineno)
                )
    return found


def _graph() -> dict[str, set[str]]:
    return {
        m: {t for t, _, _ in _imports(m, p) if t in MODULES and t != m} for m, p in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), and self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_audit_lib():
    graph = _graph()
    assert len(graph) > 80  # the whole package was read
    assert _cycles(graph) == []


def _layer(module: str) -> str:
    part = module.split(".")[1] if "." in module else ""
    return {
        "claims": "review",
        "refunds": "review",
        "access": "review",
        "sampling": "review",  # the sampling review (audit sample / appraise)
        "gx": "review",  # the reviews' validation step: suites built from their schemas
        "engine_pandas": "review",
        "reporting": "reporting",
        "runs": "runs",
        "cli": "cli",
    }.get(part, "base" if part else "package")


#: what each layer may import, besides its own layer and the base
ALLOWED = {
    "review": set(),
    "reporting": {"review"},
    "runs": {"review", "reporting"},
    "cli": {"review", "reporting", "runs"},
    "package": {"review", "runs"},  # audit_lib/__init__.py re-exports the public API
}


def test_layers_import_in_one_direction():
    """Reviews compute a result, reporting renders it, runs join them, the CLI parses
    options; nothing below imports upward. The base modules import no review, report, run
    or command, except where listed here with its reason."""
    known_base_upward = {
        # formats a finding's diagnosis codes the way the claims review displays them
        ("audit_lib.findings", "audit_lib.claims.logic"),
        # the package's input copies read the review schemas to know which columns hold
        # protected values; the PHI scan reads AuditEvent inputs with the FHIR reader
        ("audit_lib.evidence.package", "audit_lib.claims.schema"),
        ("audit_lib.evidence.package", "audit_lib.refunds.schema"),
        ("audit_lib.evidence.protected", "audit_lib.access.fhir"),
    }
    wrong = []
    for module, path in MODULES.items():
        layer = _layer(module)
        for target, _, line in _imports(module, path):
            if target not in MODULES:
                continue
            to = _layer(target)
            if to in (layer, "base"):
                continue
            if layer == "base":
                if (module, target) not in known_base_upward:
                    wrong.append(f"{module}:{line} imports {target}")
            elif to not in ALLOWED[layer]:
                wrong.append(f"{module}:{line} imports {target}")
    assert wrong == []


def test_no_private_name_is_imported_from_another_module():
    private = [
        f"{module}:{line} imports {name} from {target}"
        for module, path in MODULES.items()
        for target, name, line in _imports(module, path)
        if target.startswith("audit_lib") and name.startswith("_") and not name.startswith("__")
    ]
    assert private == []


def test_modules_stay_under_about_400_lines():
    """Issue 15: modules under about 400 lines (420 at most): a module that grows past it
    is split by what its parts do, as cli, config, the demos, sampling and scan were."""
    over = {m for m, p in MODULES.items() if len(p.read_text("utf-8").splitlines()) > 420}
    assert over == set(), sorted(over)


# --- the registry ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["claims", "refunds", "access", "sampling"])
def test_each_notebook_declares_exactly_the_registry_parameters(name):
    import papermill as pm

    from audit_lib.notebooks import notebooks_dir
    from audit_lib.runs.registry import REVIEWS

    spec = REVIEWS[name]
    declared = set(pm.inspect_notebook(str(notebooks_dir() / f"{spec.notebook}.ipynb")))
    assert declared == spec.notebook_parameters()


def test_each_compute_function_takes_the_registry_inputs():
    """The registry's compute entry takes the main input first; the review's own compute
    function takes every other input by its name (reperform calls them so)."""
    import inspect

    from audit_lib.runs.registry import REVIEWS

    for spec in REVIEWS.values():
        assert next(iter(inspect.signature(spec.compute_function()).parameters)) == spec.main.name
        inner = inspect.signature(_compute_of(spec.name)).parameters
        assert next(iter(inner)) == spec.main.name
        # (the sampling review's results are read by appraise, after the sample is drawn)
        for item in spec.inputs[1:] if spec.name != "sampling" else ():
            assert item.name in inner, (spec.name, item.name)


def _compute_of(name: str):
    from audit_lib.access.pipeline import compute_access_review
    from audit_lib.claims.pipeline import compute_claims_review
    from audit_lib.refunds.pipeline import compute_refunds_review
    from audit_lib.runs.sample import draw_sample

    return {
        "claims": compute_claims_review,
        "refunds": compute_refunds_review,
        "access": compute_access_review,
        "sampling": draw_sample,
    }[name]


def test_manifest_names_of_several_files():
    from audit_lib.runs.registry import REVIEWS

    claims = REVIEWS["claims"]
    assert claims.main.manifest_names(3) == ["claims", "claims_2", "claims_3"]
    assert claims.input("remits").manifest_names(2) == ["remits_1", "remits_2"]
    assert claims.input_of("claims_18") is claims.main
    assert claims.input_of("remits_5").name == "remits"
    assert claims.input_of("mapping") is None
    assert claims.input_of("control_totals_2") is None  # one file only


def test_an_unknown_review_is_a_clear_error():
    from audit_lib.errors import ConfigError
    from audit_lib.runs.registry import review

    with pytest.raises(ConfigError, match=r"unknown review 'claim'.*claims, refunds, access"):
        review("claim")
