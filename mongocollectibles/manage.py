"""Management commands.

    python -m mongocollectibles.manage create-admin --username NAME [--role owner|staff]
                                                   [--password-stdin]

The password is asked for twice at a prompt (not echoed), or read from the first line of
standard input with --password-stdin (for scripts). There is no default password.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from mongocollectibles.domain import admin
from mongocollectibles.domain.errors import DomainError
from mongocollectibles.services import admin_accounts


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != first:
        raise SystemExit("create-admin: the two passwords differ; nothing was created.")
    return first


def create_admin(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    try:
        account = asyncio.run(
            admin_accounts.create_account(args.username, password, args.role, actor="manage")
        )
    except DomainError as error:
        print(f"create-admin: {error.message}", file=sys.stderr)
        return 1
    print(f"Created {account.role} account {account.username!r}. Sign in at /admin.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mongocollectibles.manage")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an owner-console account")
    create.add_argument("--username", required=True)
    create.add_argument("--role", choices=admin.ROLES, default=admin.OWNER)
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.set_defaults(run=create_admin)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
