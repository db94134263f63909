"""Release a rendered dataset: splits, exports, checksums and its dataset card (dataset I/O layer)."""
