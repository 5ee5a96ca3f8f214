"""nianbao: the government information disclosure annual report kit."""

from .version import __version__
