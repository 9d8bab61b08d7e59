"""Content: from the content folder to typed records. Scanning (scan), limits on what is read
(limits), loading files and front matter (load), parsing them into records (parse) and the key
checks (keys). May import only the modules beneath the stages (errors, text, config, model, urls,
i18n) and markdown/ (for body types)."""
