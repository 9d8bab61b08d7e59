"""`kaffee-site serve`: watching, HTTP, live reload around the same build. May import engine.py,
review/, search/, publish/, cms/, content/ and the base modules."""
