"""`python -m qidong_audit` runs the CLI."""

from qidong_audit.cli import main

main()
