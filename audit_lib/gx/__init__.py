"""Great Expectations integration. GX is imported only inside this subpackage's modules, and
those are imported only when a suite is built or validated (GX costs seconds to import)."""
