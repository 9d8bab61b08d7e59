"""Output kinds other than the HTML pages: feeds, calendar, open data, structured data, topic map."""
