"""The command-line interface: thin Typer commands, one module per command group."""
