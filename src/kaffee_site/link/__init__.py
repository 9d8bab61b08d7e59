"""Link: parsed records joined into the immutable Site (the topic registry, people and
organisations, related sessions). May import content/, markdown/ and the modules beneath."""
