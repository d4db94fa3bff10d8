"""Every module of mlcicd and churn imports where POSIX-only modules do not exist (Windows).

The course runs on Windows through WSL2 only, but `mlcicd doctor` must be able
to say so on Windows itself: nothing may import a POSIX-only module, or use a
POSIX-only signal or ``os`` function, at import time. A child process makes
those unimportable (a ``sys.meta_path`` finder that raises ImportError) and
removes the attributes, then imports every module from the source tree.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: Modules Windows' Python does not have.
POSIX_ONLY = ("resource", "fcntl", "termios", "pwd", "grp")

_CHILD = textwrap.dedent(
    """
    import importlib, importlib.util, os, signal, sys
    from pathlib import Path

    BLOCKED = set(sys.argv[1].split(","))

    class Unimportable:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"No module named {name!r} (as on Windows)", name=name)
            return None

    for name in BLOCKED:
        sys.modules.pop(name, None)
    sys.meta_path.insert(0, Unimportable())
    for name in ("SIGKILL", "SIGALRM", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGPIPE"):
        delattr(signal, name)
    for name in ("geteuid", "getuid", "killpg", "setsid", "getpgid", "fork"):
        delattr(os, name)
    try:
        import resource
    except ImportError:
        pass
    else:
        sys.exit("the finder did not block `import resource`")

    modules = []
    for package in ("mlcicd", "churn"):
        folder = Path(importlib.util.find_spec(package).submodule_search_locations[0])
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder.parent).with_suffix("").parts
            if parts[-1] == "__main__":  # runs the command line
                continue
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    failed = []
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as error:
            failed.append(f"{module}: {type(error).__name__}: {error}")
    print(f"imported {len(modules) - len(failed)} of {len(modules)} modules")
    print("\\n".join(failed))
    sys.exit(1 if failed else 0)
    """
)


def test_every_module_imports_without_posix_only_modules() -> None:
    ran = subprocess.run(
        [sys.executable, "-c", _CHILD, ",".join(POSIX_ONLY)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    first = ran.stdout.splitlines()[0].split()
    assert first[1] == first[3] and int(first[3]) > 80  # every module of the source tree
