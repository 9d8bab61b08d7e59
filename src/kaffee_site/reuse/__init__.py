"""What lets a build reuse earlier work: the build cache and its store."""
