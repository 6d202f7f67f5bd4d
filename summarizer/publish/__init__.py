"""What a digest becomes on disk: layouts, escaping, atomic files."""
