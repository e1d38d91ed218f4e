"""The plain script issue 30 compares ``crm-lessons report`` with: DuckDB + lifetimes + matplotlib, one HTML page.

Run (lifetimes is archived and needs pandas < 3, so it lives in its own venv, as for bench_clv.py;
``make benchmarks`` makes it when it is missing, with the exact versions of
``benchmarks/requirements-bench-peer.txt``):

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -r benchmarks/requirements-bench-peer.txt
    .venv-bench/bin/python benchmarks/report_peer.py transactions.csv peer.html

What an analyst would write by hand for the report's core: DuckDB reads the CSV and computes the
per-customer RFM table and the data-quality counts in SQL; lifetimes builds the weekly summary and fits
BG/NBD and Gamma-Gamma (12-month CLV at 1 % a month); matplotlib (Agg) draws six figures like the
report's (Lorenz curve, pyramid, segment shares, R x F heatmap, P(alive), CLV by segment); the page
holds small tables and the PNGs.  No checks of the input beyond DuckDB's own, no escaping of ids.
"""

from __future__ import annotations

import base64
import io
import sys


def main(data: str, out: str) -> None:
    import duckdb
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    con = duckdb.connect()
    con.execute(f"CREATE VIEW tx AS SELECT * FROM read_csv_auto('{data}')")
    quality = con.execute(
        "SELECT count(*) AS rows, count(DISTINCT customer_id) AS customers, min(date) AS first, max(date) AS last, "
        "sum(CASE WHEN amount <= 0 THEN 1 ELSE 0 END) AS returns FROM tx"
    ).df()
    as_of = quality["last"].iloc[0]
    rfm = con.execute(
        f"""SELECT customer_id, date_diff('day', max(date), DATE '{as_of}') AS days_since_last,
                   count(*) AS n_purchases, sum(amount) AS total_spend
            FROM tx WHERE amount > 0 GROUP BY customer_id"""
    ).df()
    purchases = con.execute("SELECT customer_id, date, amount FROM tx WHERE amount > 0").df()
    for col, ascending in (("days_since_last", False), ("n_purchases", True), ("total_spend", True)):
        ranks = rfm[col].rank(method="first", ascending=ascending)
        rfm[col[0] + "_score"] = np.ceil(ranks / len(rfm) * 5).astype(int)
    rfm["segment"] = np.where(rfm["d_score"] >= 4, np.where(rfm["n_score"] >= 4, "champions", "new"), "at risk")

    summary = summary_data_from_transaction_data(
        purchases, "customer_id", "date", monetary_value_col="amount", observation_period_end=as_of, freq="W"
    )
    bgf = BetaGeoFitter(penalizer_coef=0.0).fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0).fit(repeat["frequency"], repeat["monetary_value"])
    summary["p_alive"] = bgf.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
    summary["clv"] = ggf.customer_lifetime_value(
        bgf, summary["frequency"], summary["recency"], summary["T"], summary["monetary_value"],
        time=12, discount_rate=0.01, freq="W",
    )  # fmt: skip

    figures = []

    def save(fig):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        figures.append(base64.b64encode(buffer.getvalue()).decode("ascii"))

    spend = np.sort(rfm["total_spend"].to_numpy())[::-1]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(np.linspace(0, 1, len(spend)), np.cumsum(spend) / spend.sum())
    save(fig)
    cuts = np.quantile(spend, [0.99, 0.95, 0.8])
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.barh(["top", "big", "medium"], [(spend >= c).mean() for c in cuts])
    save(fig)
    by_seg = rfm.groupby("segment")[["total_spend"]].agg(["count", "sum"])
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    by_seg.plot.barh(ax=ax)
    save(fig)
    grid = rfm.pivot_table(index="d_score", columns="n_score", values="customer_id", aggfunc="count").fillna(0)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    image = ax.imshow(grid.to_numpy(), cmap="YlGnBu")
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{v:.0f}", ha="center", va="center")
    fig.colorbar(image, ax=ax)
    save(fig)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.hist(summary["p_alive"], bins=20, range=(0, 1))
    save(fig)
    clv_by_seg = summary["clv"].groupby(rfm.set_index("customer_id")["segment"]).sum()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.barh(clv_by_seg.index, clv_by_seg.to_numpy())
    save(fig)

    tables = [
        quality.to_html(index=False),
        by_seg.to_html(),
        summary.nlargest(10, "clv").to_html(),
        bgf.summary.to_html(),
        ggf.summary.to_html(),
    ]
    page = "<html><body>" + "".join(tables) + "".join(f'<img src="data:image/png;base64,{f}">' for f in figures)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(page + "</body></html>")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
