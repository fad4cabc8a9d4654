"""One module per command: what ``soapbuild CMD`` does, in pipeline order.

``soapbuild.cli`` declares the options and maps results to exit codes; each module here
holds the command's work and its terminal output (through :mod:`soapbuild.console`).
"""
