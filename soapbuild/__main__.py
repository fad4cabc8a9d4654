"""Allow ``python -m soapbuild``."""

from soapbuild.cli import main

main()
