"""soapbuild: check, render and report on therapy progress notes kept as plain files."""

__version__ = "0.1.0"
