"""The stages of the build: load -> parse -> link -> render -> write."""
