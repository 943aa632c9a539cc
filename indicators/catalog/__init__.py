"""The indicator catalog: declarative YAML definitions (definitions/*.yaml), a loader and a validator."""
