"""Entry point for ``python -m swictation_gui``."""

import sys

from swictation_gui.cli import main

sys.exit(main())
