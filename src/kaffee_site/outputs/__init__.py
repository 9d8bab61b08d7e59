"""The output kinds, one module each: pages, feeds, calendar, open data, cards, sitemap and the
template helpers of structured data, topic map and timeline. See kind.py for what makes a kind.
They read the finished Site: may import model.py, markdown/ (the body types), images/ (the
geometry of the pictures), cms/ (the browser editor) and the base modules."""
