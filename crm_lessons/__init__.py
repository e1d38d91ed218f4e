"""crm-lessons: helper package for a course on Customer Relationship Management.

The chapter notebooks under ``notebooks/`` call these modules; every concept
that can be computed lives here once, tested.  Importing the package changes
no global state (pandas options, warning filters, matplotlib rcParams, random
seeds): themes and widgets are applied by explicit calls.

Modules are named after the course topics:

``datasets``        bundled real data sets (CDNOW, IBM Telco, Charles Book Club, ...)
``simulate``        seeded simulators whose true parameters are known
``io``              users' own transaction files (CSV in UTF-8/GBK, Excel)
``concepts``        levels of relationship (Kotler's table): relationship_type
``retention``       retention economics: customer NPV, uplift of more retention, customer-base models
``classification``  ABC / Pareto analysis, Lorenz curve, customer pyramid
``rfm``             RFM table, quintile scores, segment maps
``segmentation``    K-means on RFM, choosing k, segment profiles
``glossary``        the course glossary: lookup("顾客份额"), terms()
``course.coursemap`` the course map notebooks/COURSE.md read as data
``plotting``        figures (the only module that imports matplotlib)
``widgets``         interactive controls (the only module that imports ipywidgets)
``exercises``       exercise checkers and the student-version generator
"""

from __future__ import annotations

from crm_lessons._validation import DataError, NotFittedError

__all__ = ["DataError", "NotFittedError", "__version__"]
__version__ = "0.2.0"
