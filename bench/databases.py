"""The databases a bench runs on: both by default, or the one ``--database`` names."""

import argparse

KINDS = ("sqlite", "postgresql")


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", choices=[*KINDS, "both"], default="both")


def chosen(args: argparse.Namespace) -> tuple[str, ...]:
    return KINDS if args.database == "both" else (args.database,)
