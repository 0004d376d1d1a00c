"""Bulk jobs: the engine (pure steps), kinds, result readers, file intake, the journal and the
drivers. Users import the public names from `oint.bulk`."""
