"""Spatial logic: coordinates, spatial queries, importers, map builders. No Flask."""
