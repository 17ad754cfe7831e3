"""Copy the pinned front-end assets from node_modules/ into static/vendor/ (run: `npm run vendor`).

The copies are committed, so running the project never needs npm or a CDN. Each package's
version (from package-lock.json) is written to static/vendor/MANIFEST.json; a test checks the
committed copies against it, so a bumped pin without a re-vendor fails the suite.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

# package name -> list of (file inside the package, destination under static/vendor/)
ASSETS: dict[str, list[tuple[str, str]]] = {
    "htmx.org": [("dist/htmx.min.js", "htmx/htmx.min.js"), ("LICENSE", "htmx/LICENSE")],
    "@picocss/pico": [("css/pico.min.css", "pico/pico.min.css"), ("LICENSE.md", "pico/LICENSE.md")],
}


def locked_versions() -> dict[str, str]:
    """The exact version of each vendored package, as package-lock.json pins it."""
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    return {name: packages[f"node_modules/{name}"]["version"] for name in ASSETS}


def main() -> int:
    """Copy every asset and write the manifest; fail if node_modules lacks a package."""
    versions = locked_versions()
    manifest: dict[str, dict[str, object]] = {}
    for package, files in ASSETS.items():
        installed = json.loads((NODE_MODULES / package / "package.json").read_text("utf-8"))
        if installed["version"] != versions[package]:
            print(  # noqa: T201
                f"{package}: node_modules has {installed['version']}, the lock pins "
                f"{versions[package]}; run `npm ci` first.",
                file=sys.stderr,
            )
            return 1
        for source, destination in files:
            target = VENDOR / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(NODE_MODULES / package / source, target)
        manifest[package] = {
            "version": versions[package],
            "files": [destination for _, destination in files],
        }
    (VENDOR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    print(f"vendored {', '.join(f'{p} {v}' for p, v in versions.items())} into {VENDOR}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
