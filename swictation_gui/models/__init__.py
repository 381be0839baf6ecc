"""Model catalogue, model-folder checks and model installation."""
