"""The notebooks and suites shipped with the package (see README.md here)."""
