"""Content: from the content folder to typed records. Scanning (scan), limits on what is read
(limits), loading files and front matter (load), the format as one table per record kind
(schema), parsing them into records (parse) and the key checks (keys). May import model.py,
markdown/ and the base modules."""
