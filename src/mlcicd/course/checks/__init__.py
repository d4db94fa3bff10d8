"""The hidden test cases of each exercise's checkpoints, one module per exercise (``exNN``).

Each module registers its checks with :func:`mlcicd.course.checkpoint.check`;
:func:`mlcicd.course.checkpoint.get_check` imports a module on first use.
"""

import pkgutil

#: The check modules, e.g. ``("ex02", "ex03", ...)``.
MODULES: tuple[str, ...] = tuple(
    sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith("ex"))
)
