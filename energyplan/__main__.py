"""`python -m energyplan` runs the command-line interface."""

from energyplan.cli.app import main

if __name__ == "__main__":
    main()
