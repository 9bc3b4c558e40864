"""`python -m fgcross` is the `fgcross` command."""

from fgcross.cli import main

main()
