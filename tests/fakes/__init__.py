"""Named fakes for tests (a fake ``sounddevice``/PortAudio)."""
