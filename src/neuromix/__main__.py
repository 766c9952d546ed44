"""``python -m neuromix`` runs the command line."""

from neuromix.cli import main

raise SystemExit(main())
