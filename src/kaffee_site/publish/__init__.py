"""Publish: the output folder as a transaction. Files are placed into a stage folder (stage),
one build at a time holds the lock (lock), and the finished stage is exchanged with the output
atomically (exchange) or committed in place (in_place). May import outputs/ (what an output is)
and the base modules."""
