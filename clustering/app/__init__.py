"""The marketing app (`clustering app`): segments, audiences, movements and
maintenance over the published warehouse, read-only, in a browser.

server builds the Dash app and serves it; pages/ holds one module per page;
queries holds every query the pages run; audience checks filters and turns
them into SQL; saved keeps named audiences outside the warehouse; data keeps
one read-only snapshot of the published file; tiles draws Brazil's states
without map shapes from the internet.
"""
