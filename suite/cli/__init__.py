"""`suite` console entry point: thin argument parsing, no logic of its own."""
