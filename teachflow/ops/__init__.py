"""Op families. Importing a module registers its op definitions."""
