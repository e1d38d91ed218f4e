"""Tests of crm_lessons.reviews: lexicon sentiment by hand, aspects, topics, classifier, retrieval."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from crm_lessons import reviews as rv
from crm_lessons.datasets import load_amazon_reviews, load_sentiment_lexicon

LEX = {"good": 1.9, "great": 3.1, "bad": -2.5, "broke": -1.4}


def test_lexicon_sentiment_by_hand():
    s = rv.lexicon_sentiment(["great and good", "not good", "it broke , not bad", "nothing here", ""], LEX)
    total = 3.1 + 1.9
    assert s[0] == pytest.approx(total / math.sqrt(total**2 + 15))
    neg = -0.74 * 1.9
    assert s[1] == pytest.approx(neg / math.sqrt(neg**2 + 15))
    mixed = -1.4 + -0.74 * -2.5
    assert s[2] == pytest.approx(mixed / math.sqrt(mixed**2 + 15))
    assert s[3] == 0 and s[4] == 0
    assert rv.lexicon_sentiment(["not a very good phone"], LEX, negation_window=1)[0] > 0


def test_lexicon_sentiment_takes_the_datasets_frame_and_keeps_the_later_duplicate():
    frame = pd.DataFrame({"token": ["ok", "ok"], "valence": [1.6, 1.2]})
    assert rv.lexicon_sentiment(["ok"], frame)[0] == pytest.approx(1.2 / math.sqrt(1.44 + 15))
    with pytest.raises(ValueError, match=r"no column\(s\) \['valence'\]"):
        rv.lexicon_sentiment(["ok"], pd.DataFrame({"token": ["ok"], "score": [1.0]}))


def test_lexicon_agrees_with_people_on_the_amazon_reviews():
    reviews = load_amazon_reviews()
    score = rv.lexicon_sentiment(reviews["text"], load_sentiment_lexicon())
    rho = spearmanr(score, reviews["rating"]).statistic
    assert 0.5 < rho < 0.7  # words and negation only: far from the raters' agreement
    by_review = pd.DataFrame({"s": score.to_numpy(), "r": reviews["rating"].to_numpy(), "id": reviews["review_id"]})
    by_review = by_review.groupby("id").mean()
    assert spearmanr(by_review["s"], by_review["r"]).statistic > 0.75


def test_aspect_table():
    texts = pd.Series(["the battery died", "great battery", "poor customer service", "nice"])
    scores = pd.Series([-2.0, 2.0, -3.0, 1.0])
    t = rv.aspect_table(texts, scores, {"battery": ["battery"], "service": ["service", "support"]})
    assert t.loc["battery"].tolist() == [2, 0.5, 0.0, 0.5]
    assert t.loc["service", "negative_share"] == 1.0 and list(t.index) == ["battery", "service"]
    with pytest.raises(ValueError, match="same index"):
        rv.aspect_table(texts, scores.iloc[::-1].reset_index(drop=True).set_axis([3, 2, 1, 0]), {"x": ["x"]})


def test_review_topics_find_the_products():
    reviews = load_amazon_reviews()
    topics, weights = rv.review_topics(reviews["text"], n_topics=8)
    assert weights.shape == (len(reviews), 8) and topics["share"].sum() <= 1 + 1e-9
    words = " ".join(topics["words"])
    assert "camera" in words and "phone" in words
    with pytest.raises(ValueError, match="n_topics=0"):
        rv.review_topics(reviews["text"], n_topics=0)


def test_text_classifier_and_retrieval():
    texts = pd.Series(["great phone", "love it", "terrible service", "broke fast", "great screen", "awful support"] * 5)
    y = np.array([1, 1, 0, 0, 1, 0] * 5)
    clf = rv.make_text_classifier(min_df=1).fit(texts, y)
    p = clf.predict_proba(["great", "awful service"])[:, 1]
    assert p[0] > 0.5 > p[1]
    hits = rv.retrieve(texts.iloc[:6], "customer support", k=3)
    assert hits["text"].tolist() == ["awful support"] and hits["similarity"].iloc[0] > 0
    with pytest.raises(ValueError, match="k=0"):
        rv.retrieve(texts, "x", k=0)


def test_tokenize():
    assert rv.tokenize("Don't BUY it -- 5 stars!") == ["don't", "buy", "it", "5", "stars"]
