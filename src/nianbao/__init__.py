"""nianbao: the government information disclosure annual report kit."""

__version__ = "0.1.0"
