"""The HTML around the Dash app: the language of the page and its main landmark.

Dash's default index has ``<html>`` with no ``lang`` (screen readers then guess the language
of every word) and puts the app in no landmark (axe-core: html-has-lang, landmark-one-main,
region). The app's own navbar is the page's navigation landmark inside ``<main>``. No inline
script is added here, so the Content-Security-Policy hashes (``components.web.security``)
still cover every inline script of the index.
"""

from __future__ import annotations

#: ``dash.Dash.index_string`` for the app: Dash's default plus ``lang`` and ``<main>``.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        <main id="main-content">
            {%app_entry%}
        </main>
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""
