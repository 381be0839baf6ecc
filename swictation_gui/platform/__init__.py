"""Platform specifics (global hotkey, text injection, clipboard) behind small interfaces."""
