"""FaceSR Studio. No arguments: the desktop application. With a sub-command: the command line."""

from __future__ import annotations

import sys


def main() -> int:
    if len(sys.argv) > 1:
        from core.cli import main as cli_main

        return cli_main(sys.argv[1:])
    try:
        from gui.app import run_app
    except ImportError:
        print("The desktop application is not part of this build yet; use the command line: "
              "python main.py --help", file=sys.stderr)
        return 2
    return run_app()


if __name__ == "__main__":
    sys.exit(main())
