"""Link: parsed records joined into the immutable Site (the topic registry, people and
organisations, related sessions). May import content/, model.py, markdown/ and the base modules."""
