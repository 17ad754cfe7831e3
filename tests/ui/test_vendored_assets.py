"""The design system is vendored from npm at the pinned versions: no npm or CDN at run time."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

BASE_DIR = Path(settings.BASE_DIR)


def test_vendored_files_match_the_versions_pinned_in_package_lock():
    lock = json.loads((BASE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    package = json.loads((BASE_DIR / "package.json").read_text(encoding="utf-8"))
    manifest = json.loads((BASE_DIR / "static/vendor/MANIFEST.json").read_text(encoding="utf-8"))

    for name, spec in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", spec), f"{name} is not pinned exactly: {spec}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == spec
        assert manifest[name]["version"] == spec
        for file in manifest[name]["files"]:
            assert (BASE_DIR / "static/vendor" / file).stat().st_size > 0


def test_htmx_is_the_pinned_2x_release_and_says_so_in_its_code():
    version = json.loads((BASE_DIR / "static/vendor/MANIFEST.json").read_text())["htmx.org"][
        "version"
    ]
    code = (BASE_DIR / "static/vendor/htmx/htmx.min.js").read_text(encoding="utf-8")

    assert version.startswith("2.")
    assert f'version:"{version}"' in code.replace(" ", "")


def test_every_asset_the_base_layout_loads_is_found_by_staticfiles():
    base = (BASE_DIR / "templates/base.html").read_text(encoding="utf-8")
    assets = re.findall(r"\{% static '([^']+)' %\}", base)

    assert "vendor/htmx/htmx.min.js" in assets
    assert "vendor/pico/pico.min.css" in assets
    assert all(finders.find(asset) for asset in assets), assets
