"""Long work off the request: the managers that run it and the bodies of the jobs.

No callbacks here: the page's callbacks (``components.page.compute``,
``components.analysis.cophenetic``) start jobs and call these bodies.
"""
