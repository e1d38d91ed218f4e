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
``customer_data``   SQLite CRM store, data quality, duplicates, choosing a CRM system, privacy
``satisfaction``    satisfaction ratio and levels, ACSI, NPS, importance-performance, complaints
``loyalty``         forms and measures of loyalty, brand loyalty, satisfaction to loyalty, bonds
``lifecycle``       lifecycle stages and acquisition cohorts
``clv``             customer summary, BG/NBD, Pareto/NBD, Gamma-Gamma, sBG, CLV
``churn``           churn rates, Telco features, odds ratios, warning lists, win-back
``survival``        Kaplan-Meier curves, median survival, log-rank test
``scoring``         classifier pipeline, model comparison, calibration, gains, targeting
``service``         Erlang C staffing, queues, complaint handling, PDCA
``ab_testing``      A/B tests: effect, power, sample size
``diffusion``       the Bass diffusion model
``personalisation`` association rules, recommenders, uplift models
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
