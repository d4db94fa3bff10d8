"""The casebook: what each checkpoint checks, read from the check modules' own cases.

Every ``case("...")`` and ``hidden_case("...")`` in ``mlcicd.course.checks``
names one way a learner's answer can be wrong: the common mistakes an
instructor meets. :func:`checkpoint_cases` reads them from the source (with
``ast``: nothing is run), following the module's own helper functions and the
literal tables a loop walks over; :func:`mistakes_markdown` renders them per
checkpoint, with the hint, for the instructor guide. The guide is never part
of the learner release, so the hidden cases' rules may be shown there.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcicd.course.checkpoint import get_check, registered

#: Shown where a case's text is computed at run time.
UNKNOWN = "…"


@dataclass(frozen=True)
class Case:
    """One case of a checkpoint.

    Attributes:
        hidden: True for a ``hidden_case`` (graded only by the instructor).
        text: The case's description (public) or rule (hidden).
    """

    hidden: bool
    text: str


def _check_id(function: ast.FunctionDef) -> str | None:
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Name)
            and decorator.func.id == "check"
            and decorator.args
            and isinstance(decorator.args[0], ast.Constant)
        ):
            return str(decorator.args[0].value)
    return None


def _render(node: ast.expr, bound: dict[str, str] | None = None) -> str:
    bound = bound or {}
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Name) and node.id in bound:
        return bound[node.id]
    if isinstance(node, ast.FormattedValue):
        return _render(node.value, bound)
    if isinstance(node, ast.JoinedStr):
        return "".join(_render(part, bound) for part in node.values)
    return UNKNOWN


def _bindings(callee: ast.FunctionDef, call: ast.Call) -> dict[str, str]:
    # A helper called with literal strings (`_judge(tests, MUTANTS, "TESTS")`): its
    # parameters take those values in the cases it names.
    names = [a.arg for a in callee.args.args]
    bound = {
        name: str(arg.value)
        for name, arg in zip(names, call.args, strict=False)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    }
    bound.update(
        {
            k.arg: str(k.value.value)
            for k in call.keywords
            if k.arg and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
        }
    )
    return bound


def _rows(iterable: ast.expr, scopes: list[ast.AST], module: Any) -> list[Any] | None:
    # The rows a loop walks over: a literal list or tuple, or a name assigned one in
    # the function or the module (as nodes, so np.nan in a row does no harm), or a
    # module-level constant built at import time.
    if isinstance(iterable, ast.List | ast.Tuple):
        return list(iterable.elts)
    if (  # `for key, value in TABLE.items():` over a module-level dict
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Attribute)
        and iterable.func.attr == "items"
        and isinstance(iterable.func.value, ast.Name)
    ):
        table = getattr(module, iterable.func.value.id, None)
        return list(table.items()) if isinstance(table, dict) else None
    if not isinstance(iterable, ast.Name):
        return None
    for scope in scopes:
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Assign | ast.AnnAssign)
                and any(
                    isinstance(t, ast.Name) and t.id == iterable.id
                    for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                )
                and isinstance(node.value, ast.List | ast.Tuple)
            ):
                return list(node.value.elts)
    value = getattr(module, iterable.id, None)
    return list(value) if isinstance(value, list | tuple) else None


def _loop_values(
    name: str, loops: list[ast.For], scopes: list[ast.AST], module: Any
) -> list[str] | None:
    # `for description, raw, want in CASES:` -> the first item of each row of CASES.
    for loop in reversed(loops):
        names = loop.target.elts if isinstance(loop.target, ast.Tuple) else [loop.target]
        ids = [n.id if isinstance(n, ast.Name) else None for n in names]
        if name not in ids:
            continue
        rows = _rows(loop.iter, scopes, module)
        if rows is None:
            return None
        position, single = ids.index(name), not isinstance(loop.target, ast.Tuple)
        texts = []
        for row in rows:
            item = row if single else _item(row, position)
            texts.append(_render(item) if isinstance(item, ast.AST) else str(item))
        return texts
    return None


def _item(row: Any, position: int) -> Any:
    if isinstance(row, ast.Tuple | ast.List):
        return row.elts[position] if position < len(row.elts) else None
    if isinstance(row, tuple | list):
        return row[position] if position < len(row) else None
    return None


def _walk(node: ast.AST, loops: list[ast.For]) -> Iterator[tuple[ast.AST, list[ast.For]]]:
    for child in ast.iter_child_nodes(node):
        yield child, loops
        inner = [*loops, child] if isinstance(child, ast.For) else loops
        yield from _walk(child, inner)


def _cases_in(
    function: ast.FunctionDef,
    tree: ast.Module,
    module: Any,
    seen: set[str],
    bound: dict[str, str] | None = None,
) -> list[Case]:
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    seen.add(function.name)
    found: list[Case] = []
    for node, loops in _walk(function, []):
        if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
            call = node.context_expr
            kind = call.func.id if isinstance(call.func, ast.Name) else ""
            if kind in ("case", "hidden_case") and call.args:
                argument = call.args[0]
                texts = (
                    _loop_values(argument.id, loops, [function, tree], module)
                    if isinstance(argument, ast.Name)
                    else None
                ) or [_render(argument, bound)]
                # A text computed only at run time tells the instructor nothing: left out.
                found += [Case(kind == "hidden_case", t) for t in texts if t.strip() != UNKNOWN]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            callee = functions.get(node.func.id)
            if callee is not None and callee.name not in seen:
                found += _cases_in(callee, tree, module, seen, _bindings(callee, node))
    return found


def checkpoint_cases(exercise: str) -> dict[str, list[Case]]:
    """Return checkpoint id -> its cases, for exercise ``exercise`` (e.g. ``"02"``)."""
    return module_cases(importlib.import_module(f"mlcicd.course.checks.ex{exercise}"))


def module_cases(module: Any) -> dict[str, list[Case]]:
    """Return checkpoint id -> its cases, for an imported check module (read from its file)."""
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    cases = {}
    for function in functions.values():
        checkpoint_id = _check_id(function)
        if checkpoint_id is not None:
            unique = dict.fromkeys(_cases_in(function, tree, module, set()))
            cases[checkpoint_id] = list(unique)
    return cases


def mistakes_markdown() -> str:
    """The guide's "common mistakes" section: per checkpoint, what its cases catch."""
    lines: list[str] = []
    exercises = sorted({c.id.split(".")[0] for c in registered()})
    for exercise in exercises:
        by_id = checkpoint_cases(exercise)
        lines += [f"#### Exercise {exercise}", ""]
        for checkpoint_id in sorted(by_id, key=lambda i: int(i.split(".")[1])):
            spec = get_check(checkpoint_id)
            needs = ", ".join(f"`{n}`" for n in spec.needs)
            lines.append(f"- **{checkpoint_id}** ({spec.points} points, {needs}). Caught:")
            for case in by_id[checkpoint_id]:
                lines.append(f"  - {'hidden: ' if case.hidden else ''}{case.text}")
            lines.append(f"  - The hint learners see: {spec.hint}")
        lines.append("")
    return "\n".join(lines)
