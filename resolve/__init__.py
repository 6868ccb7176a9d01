"""resolve: master-data entity resolution for a city's base registries."""

__version__ = "0.1.0"
