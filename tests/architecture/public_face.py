"""An import-linter contract type: other code may use only a context's public face.

ARCHITECTURE.md §2-§3: the public face of a context is its package ``__init__`` and its
``services``, ``selectors`` and ``events`` modules (or packages); everything else in it
(models, api, views, forms, admin, tasks, handlers, lock_objects, ...) is private. The built-in
``protected`` contract cannot say "every child except these", and it fails on modules that do
not exist yet, so this contract does: for each container (``apps.*``), any module outside the
container that directly imports one of its private modules breaks the contract. Type-only
imports (under ``TYPE_CHECKING``) never reach the graph (``exclude_type_checking_imports``).

Registered in pyproject.toml through ``contract_types``; lint-imports runs from the repository
root, so ``tests.architecture.public_face`` is importable there.

Options:
    containers:        module expressions of the packages whose privacy is enforced.
    public:            names of the children that form the public face.
    allowed_importers: modules that may import anything (the wiring in ``config``).
    ignore_imports:    imports tolerated for a while; each with a comment giving the reason.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.domain import helpers


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


class PublicFaceContract(Contract):
    """Private modules of each container are imported only from inside that container."""

    type_name = "public_face"

    containers = fields.ListField(subfield=fields.ModuleExpressionField())
    public = fields.ListField(subfield=fields.StringField())
    allowed_importers = fields.ListField(subfield=fields.ModuleExpressionField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        containers = sorted(
            module.name
            for module in helpers.module_expressions_to_modules(graph, self.containers)  # type: ignore[arg-type]
        )
        allowed = [
            module.name
            for module in helpers.module_expressions_to_modules(
                graph,
                self.allowed_importers or [],  # type: ignore[arg-type]
            )
        ]
        public = set(self.public)  # type: ignore[call-overload]
        links: list[dict[str, Any]] = []
        for container in containers:
            for child in sorted(graph.find_children(container)):
                if child.rpartition(".")[2] in public:
                    continue
                private = {child, *graph.find_descendants(child)}
                for imported in sorted(private):
                    for importer in sorted(graph.find_modules_that_directly_import(imported)):
                        if _is_within(importer, container):
                            continue
                        if any(_is_within(importer, package) for package in allowed):
                            continue
                        details = graph.get_import_details(importer=importer, imported=imported)
                        links.append(
                            {
                                "importer": importer,
                                "imported": imported,
                                "line_numbers": [d["line_number"] for d in details],
                            }
                        )
        return ContractCheck(
            kept=not links,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"illegal_imports": links},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Private modules imported from outside their context:", bold=False)
        output.new_line()
        for link in check.metadata["illegal_imports"]:
            lines = ", ".join(str(number) for number in link["line_numbers"])
            output.print_error(
                f"- {link['importer']} -> {link['imported']} (l.{lines})", bold=False
            )
        output.new_line()
        output.print(
            "Use the context's services, selectors or events instead (ARCHITECTURE.md §3)."
        )
