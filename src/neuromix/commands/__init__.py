"""Subcommands of the ``neuromix`` command line, one module each (see ``neuromix.cli``)."""
