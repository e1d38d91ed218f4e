"""Links from the chapter pages to the API reference, added while Sphinx writes each page.

The notebooks stay as their authors wrote them: the course build reads the imports of
``crm_lessons`` in each chapter's code cells and, in the HTML Sphinx produces, turns the
first use of each imported function or class (``rfm_table(...)``, ``clv.BetaGeoFitter(...)``)
into a link to its entry in the reference, and the module of an import line
(``from crm_lessons.rfm import ...``) into a link to the module's page.  Inline code in the
text that names a documented object in full (```crm_lessons.rfm.rfm_table```) links too.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Callable

__all__ = ["link_page"]

_CODE_BLOCK = re.compile(
    r'(<div class="highlight-(?:ipython3|python3?|default)[^"]*"><div class="highlight"><pre>)(.*?)(</pre>)', re.DOTALL
)
_TOKEN = re.compile(
    r'(?:<span class="n">(?P<owner>\w+)</span><span class="o">\.</span>)?<span class="(?P<kind>nn|n)">(?P<name>[\w.]+)</span>'
)
_INLINE = re.compile(
    r'<code class="docutils literal notranslate"><span class="pre">(crm_lessons(?:\.\w+)+)(?:\(\))?</span></code>'
)
_TAG = re.compile(r"<[^>]+>")
_IMPORT = re.compile(r"^\s*(?:from\s+crm_lessons[\w.]*\s+import\b|import\s+crm_lessons\b)")


def _imports(code: str) -> dict[str, str]:
    """Local name -> full dotted name, for each ``crm_lessons`` import in ``code`` (IPython magics tolerated).

    Examples
    --------
    >>> _imports("from crm_lessons import rfm as r\\nfrom crm_lessons.clv import BetaGeoFitter\\n%matplotlib inline")
    {'r': 'crm_lessons.rfm', 'BetaGeoFitter': 'crm_lessons.clv.BetaGeoFitter'}
    """
    lines = [line if not line.lstrip().startswith(("%", "!")) else "" for line in code.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return {}
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "crm_lessons" and not node.level:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "crm_lessons":
                    found[alias.asname or alias.name.split(".")[0]] = alias.asname and alias.name or "crm_lessons"
    return found


def link_page(body: str, url_of: Callable[[str], str | None]) -> str:
    """``body`` (a chapter page's HTML) with the first use of each imported ``crm_lessons`` name linked.

    Parameters
    ----------
    body : str
        The page body Sphinx wrote (code cells highlighted by Pygments).
    url_of : callable
        Full dotted name -> URL of its entry in the API reference, or None when it has none.

    Examples
    --------
    >>> code = ('<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>'
    ...         '<span class="kn">from</span> <span class="nn">crm_lessons</span> <span class="kn">import</span> '
    ...         '<span class="n">rfm</span>\\n<span class="n">t</span> <span class="o">=</span> '
    ...         '<span class="n">rfm</span><span class="o">.</span><span class="n">rfm_table</span>(tx)</pre>')
    >>> urls = {"crm_lessons.rfm": "api/rfm.html", "crm_lessons.rfm.rfm_table": "api/rfm.html#rfm_table"}
    >>> print(link_page(code, urls.get).split("<pre>")[1])  # doctest: +NORMALIZE_WHITESPACE
    <span class="kn">from</span> <span class="nn">crm_lessons</span> <span class="kn">import</span>
    <span class="n">rfm</span>
    <span class="n">t</span> <span class="o">=</span> <span class="n">rfm</span><span class="o">.</span><a
    class="crm-api reference internal" href="api/rfm.html#rfm_table" title="crm_lessons.rfm.rfm_table"><span
    class="n">rfm_table</span></a>(tx)</pre>
    """
    names: dict[str, str] = {}
    linked: set[str] = set()

    def anchor(target: str, inner: str) -> str:
        url = url_of(target) if target not in linked else None
        if not url:
            return inner
        linked.add(target)
        return f'<a class="crm-api reference internal" href="{html.escape(url)}" title="{target}">{inner}</a>'

    def code_block(match: re.Match[str]) -> str:
        start, code, end = match.groups()
        names.update(_imports(html.unescape(_TAG.sub("", code))))
        out, depth = [], 0
        for line in code.split("\n"):
            text = html.unescape(_TAG.sub("", line))
            in_import = depth > 0 or bool(_IMPORT.match(text))

            def token(m: re.Match[str], in_import: bool = in_import) -> str:
                owner, kind, name = m.group("owner"), m.group("kind"), m.group("name")
                tail = f'<span class="{kind}">{name}</span>'
                if kind == "nn":  # the module of an import line
                    return (
                        m.group(0).replace(tail, anchor(name, tail)) if name.startswith("crm_lessons.") else m.group(0)
                    )
                if in_import:
                    return m.group(0)
                if owner and names.get(owner, "").startswith("crm_lessons"):
                    return m.group(0).replace(tail, anchor(f"{names[owner]}.{name}", tail))
                if not owner and name in names and names[name].count(".") > 1:
                    return anchor(names[name], tail)
                return m.group(0)

            out.append(_TOKEN.sub(token, line))
            if in_import:  # a parenthesised import goes on to its closing parenthesis
                depth = max(0, depth + text.count("(") - text.count(")"))
        return start + "\n".join(out) + end

    body = _CODE_BLOCK.sub(code_block, body)
    return _INLINE.sub(lambda m: anchor(m.group(1), m.group(0)), body)
