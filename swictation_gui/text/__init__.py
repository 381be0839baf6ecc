"""The text stage between the recognizer and the injector: pure, deterministic, Qt-free (any thread)."""
