"""Markdown: the one configured markdown-it parser and the rules it uses on tokens (topic
mentions, wikilinks, heading ids, typography), producing a session's rendered Body. May import
only the base modules."""
