"""The package's shape, read from its source with `ast`: imports follow the layers, never loop, and no
function is longer than a screen.

Layers, lowest first. A module may import its own package (`kodetect.<package>.*`) and any package of
a lower layer; never a higher layer, never another package of its own layer (packages of one layer are
independent of each other). Every import counts, module-level or inside a function (a lazy import
postpones the cost, not the dependency), and there is no exception list.

    errors, version, detection,    the contract: errors, the version, the typed results; artifacts is
    artifacts                      data only (the packaged models), so nothing of it is imported
    text, lm                       Korean text handling; the language-model runtime
    features, documents            features of a text; text out of document files
    calibration                    Platt scaling and threshold modes
    model                          the artifact (heads, calibration, thresholds) and what ships
    profiles                       thresholds fitted to a deployment's own texts, and their files
    attribution                    which model family a text resembles (its training is under training/)
    explain                        evidence in words: what each signal observed in the text, with quotes
    detector                       the pipeline: normalise, segment, features, score, calibrate, explain
    eval                           metrics, protocols and attacks (they judge scores, not a model)
    batch, training                jobs: batch scoring at scale; training and recalibration
    serve                          the HTTP API
    cli                            the command line
    __init__, __main__             the package's public facade and `python -m kodetect`
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kodetect"
BENCH = PACKAGE.parent / "bench"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "version", "detection", "artifacts"),
    ("text", "lm"),
    ("features", "documents"),
    ("calibration",),
    ("model",),
    ("attribution", "explain", "profiles"),
    ("detector",),
    ("eval",),
    ("batch", "training"),
    ("serve",),
    ("cli",),
    ("__init__", "__main__"),
)
LAYER = {part: level for level, parts in enumerate(LAYERS) for part in parts}
MAX_FUNCTION_LINES = 80


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imports(path: Path, name: str, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import of the package in the file, wherever it stands."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module; `from module import name` the module.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == known_root(known):
                yield target, node.lineno


def known_root(known: dict[str, Path]) -> str:
    return next(iter(known)).split(".")[0]


def graph(root: Path) -> dict[str, set[str]]:
    known = modules(root)
    return {name: {target for target, _ in imports(path, name, known) if target != name}
            for name, path in known.items()}


def part_of(module: str) -> str:
    """The layer key of a module: its package under kodetect/ (or the top-level module's own name)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_package_has_a_layer():
    parts = {part_of(name) for name in modules(PACKAGE)}
    assert parts <= set(LAYER), f"give these a layer in LAYERS: {sorted(parts - set(LAYER))}"


def test_no_import_runs_upward_or_sideways():
    known = modules(PACKAGE)
    wrong = []
    for name, path in known.items():
        source = part_of(name)
        for target, line in imports(path, name, known):
            if part_of(target) != source and LAYER[part_of(target)] >= LAYER[source]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} {name} imports {target}")
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_no_import_cycles():
    assert cycles(graph(PACKAGE)) == []


def test_the_report_does_not_import_the_experiments():
    # Experiments may reuse the report's helpers; the report must run without them.
    known = modules(BENCH)
    wrong = [f"{name} imports {target}" for name, path in known.items() if name.startswith("bench.report")
             for target, _ in imports(path, name, known) if target.startswith("bench.experiments")]
    assert not wrong


def test_no_function_is_longer_than_a_screen():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = node.end_lineno - first + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)


def test_the_checks_see_a_loop_and_an_upward_import(tmp_path):
    # A package made for the test: a -> b -> a is a loop, and errors importing cli runs upward.
    root = tmp_path / "kodetect"
    (root / "cli").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "cli" / "__init__.py").write_text("")
    (root / "cli" / "a.py").write_text("def f():\n    from kodetect.cli import b\n")
    (root / "cli" / "b.py").write_text("from kodetect.cli.a import f\n")
    (root / "errors.py").write_text("from kodetect.cli.a import f\n")
    assert cycles(graph(root)) == [["kodetect.cli.a", "kodetect.cli.b"]]
    known = modules(root)
    upward = [target for target, _ in imports(root / "errors.py", "kodetect.errors", known)
              if LAYER[part_of(target)] >= LAYER[part_of("kodetect.errors")]]
    assert upward == ["kodetect.cli.a"]
