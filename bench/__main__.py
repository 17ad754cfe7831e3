"""`python -m bench`: run every `bench/bench_*.py` and print one `name value unit` line each."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import (
    DEFAULT_ITERATIONS,
    DEFAULT_MEMBERS_IMPORT_ROWS,
    DEFAULT_MEMBERS_ROWS,
    DEFAULT_ROWS,
    BenchOptions,
)

PREFIX = "bench_"


def available() -> list[str]:
    """Short names (``insert``, ``locks``) of the benchmark modules in this folder, sorted."""
    folder = str(Path(__file__).resolve().parent)
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules([folder])
        if info.name.startswith(PREFIX)
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options (help in Portuguese, as the operator reads it)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=(
            "Executa os benchmarks de bench/ e imprime uma linha `nome valor unidade` por "
            "medida, ao lado do limite medido na mesma execução."
        ),
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NOME",
        help=f"executa só este benchmark (repetível); disponíveis: {', '.join(available())}",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=DEFAULT_ROWS,
        metavar="N",
        help=(
            f"tamanho principal (padrão: {DEFAULT_ROWS:_}): linhas inseridas (insert), cotas "
            "faturadas (billing), lançamentos em lote (ledger, até 100_000), linhas do arquivo "
            "de retorno (cnab, até 999_999)"
        ),
    )
    parser.add_argument(
        "--iterations",
        type=int,
        default=DEFAULT_ITERATIONS,
        metavar="N",
        help=f"repetições dos benchmarks de latência (padrão: {DEFAULT_ITERATIONS:_})",
    )
    parser.add_argument(
        "--members-import-rows",
        type=int,
        default=DEFAULT_MEMBERS_IMPORT_ROWS,
        metavar="N",
        help=f"linhas do CSV do benchmark de importação de membros (padrão: "
        f"{DEFAULT_MEMBERS_IMPORT_ROWS:_})",
    )
    parser.add_argument(
        "--members-rows",
        type=int,
        default=DEFAULT_MEMBERS_ROWS,
        metavar="N",
        help=f"consorciados inseridos para o benchmark de busca (padrão: {DEFAULT_MEMBERS_ROWS:_})",
    )
    args = parser.parse_args(argv)
    if args.members_import_rows < 1 or args.members_rows < 1:
        parser.error("--members-import-rows e --members-rows devem ser ≥ 1")
    if args.rows < 1 or args.iterations < 100:
        parser.error("--rows deve ser ≥ 1 e --iterations ≥ 100")
    for name in args.only or []:
        if name.removeprefix(PREFIX) not in available():
            parser.error(f"benchmark desconhecido: {name} (disponíveis: {', '.join(available())})")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks in name order, flushing each line as soon as it is known."""
    args = parse_args(argv)
    options = BenchOptions(
        rows=args.rows,
        iterations=args.iterations,
        members_import_rows=args.members_import_rows,
        members_rows=args.members_rows,
    )
    selected = [name.removeprefix(PREFIX) for name in args.only] if args.only else available()
    for name in selected:
        module = importlib.import_module(f"bench.{PREFIX}{name}")
        started = time.perf_counter()
        for measurement in module.run(options):
            print(measurement.line(), flush=True)
        print(f"# {PREFIX}{name} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
