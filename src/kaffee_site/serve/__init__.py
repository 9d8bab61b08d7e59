"""`kaffee-site serve`: watching, HTTP, live reload around the same build."""
