"""``soapbuild watch``: the file watcher that rebuilds and the local preview server."""
