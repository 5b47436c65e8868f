"""``python -m activelabel`` runs the command line."""

from activelabel.cli import main

main()
