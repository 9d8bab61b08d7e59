"""Content: from the content folder to typed records. Scanning (scan), limits on what is read
(limits), loading files and front matter (load), the format as one table per record kind
(schema), parsing them into records (parse), the key checks (keys), the git history of
the files (history: the one module that runs git) and the media a browser
would run as a document (active_media). May import model.py,
markdown/ and the base modules."""
