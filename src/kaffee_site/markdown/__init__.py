"""Markdown: the one configured markdown-it parser (parser: `render_body`), the body types it
produces (body), and its rules, one module each, each a `plugin(md)` for `md.use` working on
tokens: heading_ids, typography, links (site paths, recorded links), wikilinks, mentions and
images (where the pictures of media/ stand in the HTML);
tokens holds what the rules share. May import only the base modules."""
