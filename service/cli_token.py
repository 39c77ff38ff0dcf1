"""``kimnet token create --role ROLE --subject NAME [--org KEY ...] [--region KEY]``: print a bearer token.

HS256 with ``KIMNET_JWT_SECRET`` by default, RS256 with ``--private-key FILE``
(the server then checks it with the public key in ``KIMNET_JWT_PUBLIC_KEY_FILE``).
The token goes to standard output alone, so that ``$(kimnet token create ...)``
works; nothing about it is logged.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from kimnet.schema.access import Role
from kimnet.service.auth import create_token
from kimnet.service.config import Settings

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("token",)


def _role(text: str) -> Role:
    try:
        return Role.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of hours, not {text!r}") from None
    if not 0 < hours <= 24 * 366:
        raise argparse.ArgumentTypeError("must be more than 0 and at most a year (8784 hours)")
    return hours


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``token create`` to the ``kimnet`` parser's subcommands."""
    token = commands.add_parser("token", help="make bearer tokens for the API")
    actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="print a token for a subject with a role")
    create.add_argument("--role", type=_role, required=True, help="viewer, partner, caseworker, coordinator or admin")
    create.add_argument("--subject", help="who the token is for, e.g. a login name (a partner's defaults to its organisations)")
    create.add_argument("--hours", type=_hours, default=8.0, help="how long it is valid (default 8)")
    create.add_argument("--private-key", type=Path, help="sign with RS256 and this PEM key instead of KIMNET_JWT_SECRET")
    create.add_argument(
        "--org",
        action="append",
        default=[],
        metavar="KEY",
        help="partner only, once per organisation it speaks for, e.g. --org org:caritas-coesfeld",
    )
    create.add_argument("--region", metavar="KEY", help="coordinator only: limit writes to this region, e.g. reg:kreis-coesfeld")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the token; return the exit code.

    Raises:
        ValueError: no key to sign with (the message says what to set).
    """
    subject = args.subject
    if subject is None:
        if args.role != Role.PARTNER or not args.org:
            raise ValueError("--subject is needed: who the token is for, e.g. a login name")
        subject = "partner " + " ".join(sorted(set(args.org)))
    token = create_token(
        settings, args.role, subject, dt.timedelta(hours=args.hours), args.private_key, orgs=args.org, region=args.region
    )
    print(token)
    return 0
