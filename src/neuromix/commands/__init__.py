"""Subcommands of the ``neuromix`` command line, one module each (see ``neuromix.cli``).

Each module imports the library inside its ``run()``, not at its top: ``neuromix --help`` (and
every command) imports all command modules to build the parser, and importing the library
they use on top of that costs about 0.17 s more CPU time at every start (0.82 s instead of
0.66 s, +25%; a process importing ``neuromix.cli``, median of 9 runs, 2 cores, December 2026).
"""
