"""End-to-end scenarios across every layer: the CLI against the bundled fakes, over several nights."""
