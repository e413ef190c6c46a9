"""`python -m api.cli` runs the command line as the `followup` script does."""

from api.cli import main

main()
