"""Render: the theme (Jinja environment, template errors) and rendering a Site into outputs as
pure functions of it. May import outputs/, model.py and the base modules."""
