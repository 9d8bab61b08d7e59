"""Render: the theme (Jinja environment, template errors) and rendering a Site into outputs, in
worker processes where it pays (parallel). May import outputs/, link/, markdown/, content/ and the
modules beneath."""
