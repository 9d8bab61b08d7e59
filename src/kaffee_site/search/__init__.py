"""Search: the Pagefind index of the staged pages. What Pagefind reads of a page (view), which
index parts can be kept (parts), the Pagefind service (pagefind) and the index step (index).
May import publish/, outputs/ (what an output is) and the base modules."""
