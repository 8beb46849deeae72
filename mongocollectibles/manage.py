"""Shop administration from the command line.

    python -m mongocollectibles.manage create-admin --username NAME [--role owner|staff]
                                                   [--password-stdin]
    python -m mongocollectibles.manage import FILE [--dry-run]   # load a shop's catalog file
    python -m mongocollectibles.manage export FILE [--images DIR] # write it (FILE '-': stdout)

`create-admin` asks for the password twice at a prompt (not echoed), or reads the first line
of standard input with --password-stdin (for scripts). There is no default account or password.

Both work on the configured database (DATABASE_URL), migrating it first. `import` checks
the whole file before writing anything: when something is wrong it lists every problem
with where it is, writes nothing and exits with status 1. The file format is described in
docs/catalog-file.md.

Each subcommand is one function `cmd_<name>(args, uow) -> int` registered in COMMANDS.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mongocollectibles import migrations
from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.domain.problems import ProblemsFound
from mongocollectibles.services import admin_accounts, catalog_io
from mongocollectibles.services.unit_of_work import UnitOfWork
from mongocollectibles.storage import storage_from_settings
from mongocollectibles.wiring import default_uow


def _problems_out(error: ProblemsFound) -> None:
    print(f"import: {len(error.problems)} problem(s); nothing was imported:", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)


def cmd_import(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Check a catalog file, then make the database match it (all or nothing)."""
    migrations.upgrade(uow.url)
    path = Path(args.file)

    def run(session):  # noqa: ANN001, ANN202 - one transaction
        document = catalog_io.read_file(path)
        result = catalog_io.import_in(session, document, base_dir=path.parent)
        if args.dry_run:
            session.rollback()
        return result

    try:
        result = uow.call(run)
    except ProblemsFound as error:
        _problems_out(error)
        return 1
    except DomainError as error:
        print(f"import: {error.message}", file=sys.stderr)
        return 1
    verb = "would change" if args.dry_run else "changed"
    if not result.changes:
        print(f"import: {path}: the database already matches; nothing to do.")
        return 0
    for change in result.changes:
        print(f"  {change}")
    print(f"import: {path}: {verb} {len(result.changes)} thing(s).")
    return 0


def cmd_export(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Write the catalog and network as a catalog file."""
    migrations.upgrade(uow.url)
    images_to = None
    if args.images:
        base = Path("." if args.file == "-" else args.file).resolve()
        base = base if args.file == "-" else base.parent
        images_to = (storage_from_settings(), Path(args.images), base)
    text = catalog_io.dumps(uow.call(catalog_io.export_document, images_to))
    if args.file == "-":
        sys.stdout.write(text)
    else:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"export: wrote {args.file}", file=sys.stderr)
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != first:
        raise SystemExit("create-admin: the two passwords differ; nothing was created.")
    return first


def cmd_create_admin(args: argparse.Namespace, uow: UnitOfWork) -> int:
    """Create an owner-console account (owner or staff)."""
    password = _read_password(args.password_stdin)
    try:
        account = asyncio.run(
            admin_accounts.create_account(
                args.username, password, args.role, actor="manage", uow=uow
            )
        )
    except DomainError as error:
        print(f"create-admin: {error.message}", file=sys.stderr)
        return 1
    print(f"Created {account.role} account {account.username!r}. Sign in at /admin.")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, UnitOfWork], int]] = {
    "create-admin": cmd_create_admin,
    "import": cmd_import,
    "export": cmd_export,
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m mongocollectibles.manage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = root.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-admin", help="create an owner-console account")
    p.add_argument("--username", required=True)
    p.add_argument("--role", choices=admin.ROLES, default=admin.OWNER)
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p = sub.add_parser("import", help="load a catalog file (checked whole first)")
    p.add_argument("file", help="the catalog JSON file")
    p.add_argument("--dry-run", action="store_true", help="check and show, write nothing")
    p = sub.add_parser("export", help="write the catalog file")
    p.add_argument("file", help="where to write it ('-': standard output)")
    p.add_argument(
        "--images",
        metavar="DIR",
        help="also write the stored images to DIR (named as image_file in the file)",
    )
    return root


def main(argv: Sequence[str] | None = None, *, uow: UnitOfWork | None = None) -> int:
    args = parser().parse_args(argv)
    return COMMANDS[args.command](args, uow or default_uow())


if __name__ == "__main__":
    sys.exit(main())
