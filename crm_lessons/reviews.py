"""Customer reviews: sentiment from a word list, topics and aspects, all offline.

What customers write on review sites and social media is text. This module turns it into numbers a
manager can track, with methods that run on a laptop without downloading a model: a sentiment lexicon
(a list of words rated by people), keyword aspects, topics found by non-negative matrix factorisation
of TF-IDF weights, a linear classifier trained on rated sentences, and TF-IDF retrieval of the
sentences that answer a question.

Examples
--------
>>> lexicon = {"good": 1.9, "great": 3.1, "bad": -2.5}
>>> lexicon_sentiment(["A great phone.", "Not good at all.", "It is a phone."], lexicon).round(3).tolist()
[0.625, -0.341, 0.0]
>>> tokenize("Don't buy it!!")
["don't", 'buy', 'it']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "NEGATIONS",
    "aspect_table",
    "lexicon_sentiment",
    "make_text_classifier",
    "retrieve",
    "review_topics",
    "tokenize",
]

#: Words that reverse the sentiment of a word up to three words after them (a subset of VADER's list).
NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "nobody",
        "nothing",
        "neither",
        "nor",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "wasn't",
        "aren't",
        "weren't",
        "won't",
        "wouldn't",
        "shouldn't",
        "couldn't",
        "hasn't",
        "haven't",
        "hadn't",
        "without",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "cant",
        "wont",
    }
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NEGATION_FACTOR = -0.74  # VADER's scalar for a negated word (Hutto & Gilbert 2014)
_ALPHA = 15.0  # VADER's normalisation constant: score = s / sqrt(s**2 + alpha)


def tokenize(text: str) -> list[str]:
    """Lower-case words of ``text`` (letters and digits, with an apostrophe part such as ``don't``)."""
    return _TOKEN.findall(str(text).lower())


def lexicon_sentiment(
    texts: Iterable[str], lexicon: Mapping[str, float] | pd.DataFrame, *, negation_window: int = 3
) -> pd.Series:
    """Sentiment score of each text from a word list, between -1 (negative) and +1 (positive).

    Parameters
    ----------
    texts : iterable of str
        The texts (sentences, reviews, posts).
    lexicon : mapping or DataFrame
        Word -> valence (e.g. -4..+4), or a DataFrame with columns ``token`` and ``valence`` as
        returned by :func:`crm_lessons.datasets.load_sentiment_lexicon` (a token listed twice keeps
        its later value, as VADER does).
    negation_window : int, default 3
        A word within this many words after a negation (``not``, ``never``, ``don't`` ...) counts
        with the opposite sign, scaled by 0.74.

    Returns
    -------
    Series
        Score per text, in the order given; 0 for a text with no lexicon word.

    Notes
    -----
    s = sum of the valences of the words found (negated ones times -0.74); score = s / sqrt(s^2 + 15),
    the normalisation of VADER (Hutto & Gilbert 2014). VADER adds rules for intensifiers (``very``),
    capitals, exclamation marks and "but"; this sum keeps only words and negation, so that a student
    can compute it by hand.

    References
    ----------
    Hutto, C. J., & Gilbert, E. (2014). VADER: A parsimonious rule-based model for sentiment
    analysis of social media text. *ICWSM-14*.
    """
    if isinstance(lexicon, pd.DataFrame):
        missing = {"token", "valence"} - set(lexicon.columns)
        if missing:
            raise ValueError(
                f"lexicon_sentiment: lexicon has no column(s) {sorted(missing)}; columns are {list(lexicon.columns)}"
            )
        lexicon = dict(zip(lexicon["token"], lexicon["valence"], strict=True))
    if negation_window < 0:
        raise ValueError(f"lexicon_sentiment: negation_window={negation_window} should be >= 0")
    scores = []
    for text in texts:
        words = tokenize(text)
        total = 0.0
        for i, word in enumerate(words):
            value = lexicon.get(word)
            if value is None:
                continue
            if any(w in NEGATIONS for w in words[max(0, i - negation_window) : i]):
                value *= _NEGATION_FACTOR
            total += value
        scores.append(total / math.sqrt(total * total + _ALPHA))
    return pd.Series(scores, dtype="float64", name="score")


def aspect_table(
    texts: pd.Series, scores: pd.Series, aspects: Mapping[str, Iterable[str]], *, negative_below: float = 0.0
) -> pd.DataFrame:
    """What customers talk about and how they feel about it: one row per aspect.

    Parameters
    ----------
    texts : Series of str
        The sentences.
    scores : Series of float
        A sentiment score of each sentence (same index as ``texts``), e.g. human ratings or
        :func:`lexicon_sentiment`.
    aspects : mapping
        Aspect name -> keywords; a sentence is about an aspect when one of its words is a keyword.
    negative_below : float, default 0.0
        A sentence scoring below this counts as negative.

    Returns
    -------
    DataFrame
        Indexed by aspect, sorted by ``mentions``: ``mentions`` (sentences about it), ``share``
        (of all sentences), ``mean_score``, ``negative_share`` (of its sentences).
    """
    if not texts.index.equals(scores.index):
        raise ValueError("aspect_table: texts and scores must have the same index")
    words = texts.map(lambda t: set(tokenize(t)))
    rows = {}
    for name, keywords in aspects.items():
        keys = {k.lower() for k in keywords}
        about = words.map(lambda w, keys=keys: bool(w & keys))
        s = scores[about]
        rows[name] = {
            "mentions": int(about.sum()),
            "share": float(about.mean()),
            "mean_score": float(s.mean()) if len(s) else float("nan"),
            "negative_share": float((s < negative_below).mean()) if len(s) else float("nan"),
        }
    return pd.DataFrame(rows).T.astype({"mentions": "int64"}).sort_values("mentions", ascending=False)


def review_topics(
    texts: Iterable[str], *, n_topics: int, n_words: int = 6, min_df: int = 5
) -> tuple[pd.DataFrame, np.ndarray]:
    """Topics of a set of texts: non-negative matrix factorisation (NMF) of their TF-IDF weights.

    Parameters
    ----------
    texts : iterable of str
    n_topics : int
        Number of topics (a choice: read the words and decide whether the topics make sense).
    n_words : int, default 6
        Words listed per topic.
    min_df : int, default 5
        Ignore words used in fewer texts.

    Returns
    -------
    topics : DataFrame
        One row per topic: ``words`` (its top words joined by ", ") and ``share`` (share of the
        texts whose strongest topic it is).
    weights : ndarray, shape (n_texts, n_topics)
        Each text's weight on each topic.

    Notes
    -----
    English stop words and the pieces of contractions (``don't``, ``i've``) are removed; the NMF starts from the deterministic NNDSVD initialisation,
    so the topics do not depend on a random seed.

    References
    ----------
    Lee, D. D., & Seung, H. S. (1999). Learning the parts of objects by non-negative matrix
    factorization. *Nature*, 401, 788-791.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    if n_topics < 1:
        raise ValueError(f"review_topics: n_topics={n_topics} should be >= 1")
    vec = TfidfVectorizer(stop_words="english", min_df=min_df, token_pattern=r"(?u)(?<!')\b[a-z][a-z0-9]+\b(?!')")
    tfidf = vec.fit_transform(list(texts))
    model = NMF(n_components=n_topics, init="nndsvd", max_iter=400)
    weights = model.fit_transform(tfidf)
    vocab = np.asarray(vec.get_feature_names_out())
    top = [", ".join(vocab[np.argsort(-row)[:n_words]]) for row in model.components_]
    strongest = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
    share = [float((strongest == k).mean()) for k in range(n_topics)]
    topics = pd.DataFrame({"words": top, "share": share}, index=pd.RangeIndex(1, n_topics + 1, name="topic"))
    return topics, weights


def make_text_classifier(*, C: float = 1.0, min_df: int = 2):
    """A text classifier that runs on a laptop: TF-IDF of words and word pairs, then logistic regression.

    Returns an unfitted scikit-learn ``Pipeline``; ``fit(texts, labels)``, then
    ``predict_proba(texts)[:, 1]``. Its coefficients can be read: ``pipe[-1].coef_`` with
    ``pipe[0].get_feature_names_out()``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True),
        LogisticRegression(C=C, max_iter=2000),
    )


def retrieve(texts: pd.Series, query: str, *, k: int = 5) -> pd.DataFrame:
    """The ``k`` texts most similar to ``query`` (cosine similarity of TF-IDF weights).

    This is the retrieval step of a question-answering assistant: the passages it would quote
    come from the firm's own records, so every answer can be checked against them.

    Returns
    -------
    DataFrame
        ``text`` and ``similarity`` (0..1), indexed like ``texts``, most similar first; texts with
        no word in common with the query are left out.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if k < 1:
        raise ValueError(f"retrieve: k={k} should be >= 1")
    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    matrix = vec.fit_transform(texts.astype(str).tolist())
    sim = (matrix @ vec.transform([query]).T).toarray().ravel()
    order = np.argsort(-sim, kind="stable")[:k]
    order = order[sim[order] > 0]
    return pd.DataFrame({"text": texts.iloc[order].to_numpy(), "similarity": sim[order]}, index=texts.index[order])
