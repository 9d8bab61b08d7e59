"""`kaffee-site import`: existing reports (web pages, saved pages, text, Markdown) into the archive.

An editor's command, never part of a build: the only code of kaffee-site that uses the network.
The flow reads top to bottom: sources.py (and fetch.py for addresses) reads a SOURCE; page.py
(trafilatura, via tomarkdown.py) or plaintext.py turns it into a Document; facts.py reads the
facts (dates, series, speakers, topics, nextup) against what archive.py knows; media.py checks
and keeps the picture; write.py writes the session file; run.py ties one import together.
Nothing but commands/import_.py (and the CLI's options) imports it. May import review/ (the
script findings in pictures), content/, markdown/ (the mention matcher), model.py, skeleton.py
(the YAML quoting `new` uses) and the base modules.
"""
