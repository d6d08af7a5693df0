"""`workcommunities`: the Litestar CLI with our app preset (database, run, seed, admin …)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("LITESTAR_APP", "workcommunities.app:create_app")
    from workcommunities.settings import SettingsError, load_settings

    if sys.argv[1:2] == ["smoke"]:  # a client of a running server: it needs none of the server's settings
        from workcommunities.cli import smoke_command

        smoke_command.main(args=sys.argv[2:], prog_name="workcommunities smoke")
        return
    try:  # one clear line instead of a traceback when the configuration cannot run
        load_settings().check()
    except SettingsError as exc:
        sys.exit(f"workcommunities: {exc}")

    from litestar.__main__ import run_cli

    run_cli()


if __name__ == "__main__":
    main()
