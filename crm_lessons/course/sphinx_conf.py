"""Sphinx configuration of the course site (imported by the generated ``conf.py``).

The build (:func:`crm_lessons.course.build_course`) writes a Sphinx source folder
holding the executed student versions of the chapters, the course map, the
glossary and a page for the sample report, and a ``conf.py`` that imports this
module; ``site.json`` beside it carries the values of one build.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

project = "客户关系管理 CRM"
author = "crm-lessons contributors"
language = "zh_CN"
html_title = "客户关系管理 · CRM"
html_short_title = "客户关系管理"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.napoleon"]
exclude_patterns = ["_build", "_extra", "_doctrees", "**.ipynb_checkpoints", "site.json", "jieba_dict.txt"]
master_doc = root_doc = "index"

# The API reference (api.rst, api/*.rst): autodoc reads the docstrings, napoleon (part of Sphinx)
# reads their numpydoc sections, autosummary makes the table of modules.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autosummary_generate = False
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
add_module_names = False

# Notebooks are executed by the build (papermill) before Sphinx sees them.
nb_execution_mode = "off"
nb_merge_streams = True
# No script from a CDN: widgets show their static fallback, MathJax is bundled.
nb_ipywidgets_js: dict = {}
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = [
    "myst.header",
    "mystnb.unknown_mime_type",
    "misc.highlighting_failure",
    "myst.xref_missing",
    "toc.not_included",
]

html_theme = "sphinx_book_theme"
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
# our copy of the theme's colour-mode switcher, its labels in Chinese (the theme's zh catalogue lacks them)
templates_path = [str(_HERE / "templates")]
# the colour mode a first visit starts in: without it the theme logs "Got invalid theme mode: ." as a console error
html_context = {"default_mode": "auto"}
html_static_path = [str(_HERE / "static"), "_generated_static"]
html_css_files = ["crm-course.css"]
html_extra_path = ["_extra"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]}}

# Chinese search: jieba segments the text; the glossary's terms are added to its
# dictionary so that a course term such as 顾客份额 is one searchable token.
html_search_language = "zh"
html_search_options = {"dict": str(Path.cwd() / "jieba_dict.txt")}


def setup(app):  # noqa: D103 - Sphinx hook, runs only in the Sphinx process of a course build
    import logging

    from sphinx.search import languages
    from sphinx.search.zh import SearchChinese

    class ChineseSearch(SearchChinese):
        """Sphinx 9.0's Chinese search names a ``ChineseStemmer`` that its JavaScript never defines.

        ``language_data.js`` ends with ``window.Stemmer = ChineseStemmer`` while the
        stemmer code it includes is the English one (Chinese words are not stemmed,
        Latin words are stemmed as English), so search fails with a ReferenceError
        (Sphinx issue 14229, fixed upstream after 9.0.4).  Naming the language
        "English" for the stemmer only makes the generated line match the code.
        """

        language_name = "English"

    languages["zh"] = ChineseSearch
    app.connect("html-page-context", _link_chapters_to_the_api)
    app.connect("html-page-context", _link_chapters_to_their_slides)
    logging.getLogger("jieba").setLevel(logging.WARNING)  # no "Building prefix dict" lines in the build log
    return {"parallel_read_safe": True}


def _link_chapters_to_the_api(app, pagename, templatename, context, doctree):  # noqa: ANN001 - Sphinx event
    """On a chapter page, link the first use of each ``crm_lessons`` function to the API reference."""
    if not pagename[:2].isdigit() or "body" not in context:
        return
    from crm_lessons.course.api_links import link_page

    objects = app.env.get_domain("py").objects

    def url_of(name: str) -> str | None:
        entry = objects.get(name)
        if entry is None:
            return None
        return app.builder.get_relative_uri(pagename, entry.docname) + "#" + entry.node_id

    context["body"] = link_page(context["body"], url_of)


def _link_chapters_to_their_slides(app, pagename, templatename, context, doctree):  # noqa: ANN001 - Sphinx event
    """On a chapter page, a link to the chapter's lecture slides (written by the build into ``_extra/slides``)."""
    if not pagename[:2].isdigit() or "body" not in context:
        return
    if not (Path(app.srcdir) / "_extra" / "slides" / f"{pagename}.slides.html").is_file():
        return
    from crm_lessons.course.site import link_slides

    context["body"] = link_slides(context["body"], f"slides/{pagename}.slides.html")
