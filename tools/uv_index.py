"""Print the uv options that give uv the package index pip is configured with (one option per line).

uv ignores pip's configuration, so behind a mirror (pip.conf or PIP_INDEX_URL, e.g. a domestic PyPI
mirror in China) it would still go to pypi.org. This passes pip's index-url, extra-index-url and
find-links on to uv; run by `make venv` with the new environment's Python (standard library only).
"""
import os
import shlex
import subprocess
import sys

#: pip setting -> uv option; the indexes uv reads from UV_* variables are left to those variables.
OPTIONS = {"index-url": "--default-index", "extra-index-url": "--index", "find-links": "--find-links"}
UV_VARIABLES = {"index-url": ("UV_DEFAULT_INDEX", "UV_INDEX_URL"), "extra-index-url": ("UV_INDEX",
                "UV_EXTRA_INDEX_URL"), "find-links": ("UV_FIND_LINKS",)}


def pip_settings(listing: str) -> dict[str, list[str]]:
    """pip's effective index settings from ``pip config list`` (environment variables win over files)."""
    found: dict[str, tuple[int, list[str]]] = {}
    for line in listing.splitlines():
        name, _, value = line.partition("=")
        scope, _, key = name.rpartition(".")
        if key not in OPTIONS or not value:
            continue
        rank = 2 if scope == ":env:" else 1 if scope in ("user", "site") else 0
        if key not in found or rank >= found[key][0]:
            found[key] = (rank, shlex.split(value)[0].split())
    return {key: values for key, (_, values) in found.items()}


def uv_options(settings: dict[str, list[str]], environ=os.environ) -> list[str]:
    """uv command-line options for pip's settings, except where the user set uv's own variable."""
    options = []
    for key, values in settings.items():
        if any(environ.get(v) for v in UV_VARIABLES[key]):
            continue
        for value in values[:1] if key == "index-url" else values:
            options += [OPTIONS[key], value]
    if "--index" in options and not environ.get("UV_INDEX_STRATEGY"):
        # pip picks the best version across all its indexes; uv by default stops at the first index that
        # has a package at all (a local index with an older anyio would then fail the lock).
        options += ["--index-strategy", "unsafe-best-match"]
    return options


def main() -> int:
    listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    print("\n".join(uv_options(pip_settings(listing.stdout))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
