"""Keeping customer data secure: PIPL obligations, keyed pseudonyms, why plain hashes are reversible, k-anonymity."""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
)

# --------------------------------------------------------------------------- #
# Privacy and law
# --------------------------------------------------------------------------- #
#: Articles of the Personal Information Protection Law (2021) that the chapter cites.
#: Numbers and paraphrases checked against the full text as transcribed in the public
#: repository RanKKI/LawRefBook (法律法规/个人信息保护法.md); tests pin this list.
PIPL_ARTICLES = (4, 6, 13, 14, 19, 24, 28, 29, 38, 44, 45, 46, 47, 51, 73)

_PIPL = [
    (
        4,
        "个人信息的范围",
        "personal information",
        "与已识别或可识别的自然人有关、以任何方式记录的信息都是个人信息；匿名化处理后的信息不算。",
        "姓名、手机号、地址、订单记录都属于个人信息；假名化（去标识化）后的数据仍然是。",
    ),
    (
        6,
        "目的明确、最小必要",
        "purpose limitation, minimisation",
        "处理要有明确、合理的目的，与目的直接相关；收集限于实现目的的最小范围，不得过度收集。",
        "先定义需要哪些信息（客户识别第一步），不用的字段不收。",
    ),
    (
        13,
        "合法性基础",
        "lawful basis",
        "处理须有法定依据之一，例如取得本人同意，或为订立、履行本人为一方的合同所必需。",
        "送货需要地址（履行合同）；营销短信需要同意：数据库里记录 consent_marketing。",
    ),
    (
        14,
        "有效同意与重新同意",
        "valid consent, re-consent",
        "同意须在充分知情的前提下自愿、明确作出；目的、方式或信息种类变更时要重新取得同意。",
        "把订单数据改用于画像营销前，先重新征得同意。",
    ),
    (
        19,
        "保存期限",
        "retention",
        "除法律、行政法规另有规定外，保存期限应为实现处理目的所必要的最短时间。",
        "为每张表定保存期，到期删除或匿名化。",
    ),
    (
        24,
        "自动化决策",
        "automated decision-making",
        "自动化决策要透明、结果公平，不得在交易价格等条件上实行不合理的差别待遇；个性化推送须提供不针对个人特征的选项或便捷的拒绝方式。",
        "RFM/流失模型驱动的营销要能一键退出；不得“大数据杀熟”。",
    ),
    (
        28,
        "敏感个人信息",
        "sensitive personal information",
        "泄露或非法使用易损害人格尊严或人身、财产安全的信息，如生物识别、宗教信仰、特定身份、医疗健康、金融账户、行踪轨迹，以及不满十四周岁未成年人的信息；仅在特定目的、充分必要并严格保护时方可处理。",
        "CRM 一般不需要这些字段：银行卡号、定位轨迹、儿童信息要么不收，要么单独严格管理。",
    ),
    (
        29,
        "敏感信息的单独同意",
        "separate consent for sensitive data",
        "处理敏感个人信息应取得个人的单独同意；法律、行政法规规定须取得书面同意的，从其规定。",
        "不能把敏感信息的同意混在一揽子隐私政策里。",
    ),
    (
        38,
        "向境外提供",
        "cross-border transfer",
        "确需向境外提供个人信息的，须具备法定条件之一：通过网信部门组织的安全评估、经专业机构认证、按标准合同与境外接收方订立合同，或其他法定条件。",
        "选用境外 SaaS CRM 时，客户数据出境要先满足这些条件。",
    ),
    (
        44,
        "知情权、决定权",
        "right to know and decide",
        "个人对其信息的处理享有知情权、决定权，可以限制或拒绝他人处理（法律、行政法规另有规定的除外）。",
        "客户可以拒绝营销：名单生成时必须过滤。",
    ),
    (
        45,
        "查阅、复制与转移",
        "access, copy, portability",
        "个人有权查阅、复制其个人信息，处理者应及时提供；符合条件时可请求转移至其指定的处理者。",
        "customer_history 这样的查询就是响应查阅请求的基础。",
    ),
    (
        46,
        "更正、补充",
        "correction",
        "个人发现信息不准确或不完整，有权请求更正、补充，处理者应核实并及时处理。",
        "客户信息更新（客户识别第四步）既是数据质量要求，也是法律义务。",
    ),
    (
        47,
        "删除",
        "deletion",
        "目的已实现或不再必要、停止提供服务或保存期届满、撤回同意、违法处理等情形下，处理者应主动删除，个人也有权请求删除。",
        "删除要覆盖所有表与备份中的该客户记录。",
    ),
    (
        51,
        "安全保护措施",
        "security measures",
        "处理者应采取内部管理制度、分类管理、加密和去标识化等技术措施、权限管理与培训、应急预案等措施。",
        "手机号用带密钥的假名化，屏幕上掩码显示，按岗位授权访问。",
    ),
    (
        73,
        "用语含义：去标识化与匿名化",
        "definitions: de-identification, anonymisation",
        "去标识化：不借助额外信息就无法识别特定自然人；匿名化：无法识别且不能复原。",
        "假名化（HMAC）属于去标识化，不是匿名化：持有密钥即可复原对应关系。",
    ),
]


def pipl_obligations() -> pd.DataFrame:
    """What China's Personal Information Protection Law (2021) requires of a CRM database.

    The requirements are paraphrased (not quoted); read the official text for
    the exact wording.  The law was adopted on 2021-08-20 and has been in
    force since 2021-11-01 (Article 74).

    Returns
    -------
    DataFrame
        Indexed by ``article`` (the numbers in :data:`PIPL_ARTICLES`):
        ``topic_zh``, ``topic_en``, ``requirement_zh``, ``crm_practice_zh``.

    References
    ----------
    中华人民共和国个人信息保护法 (2021), articles 4, 6, 13, 14, 19, 24, 28, 29,
    38, 44-47, 51, 73 and 74; numbers and content checked against the full text
    transcribed in the public repository RanKKI/LawRefBook
    (法律法规/个人信息保护法.md); the official text is published by the NPC.

    Examples
    --------
    >>> pipl_obligations().loc[28, "topic_en"]
    'sensitive personal information'
    """
    return pd.DataFrame(
        _PIPL, columns=["article", "topic_zh", "topic_en", "requirement_zh", "crm_practice_zh"]
    ).set_index("article")


#: Environment variable from which real use reads the pseudonymisation key.
KEY_ENV_VAR = "CRM_PSEUDONYM_KEY"


def _key_bytes(key: bytes | str, where: str) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"{where}: key should be bytes or str, got {type(key).__name__}")
    if len(key) < 16:
        raise DataError(
            f"{where}: the key has {len(key)} bytes; use at least 16 random bytes, "
            "e.g. secrets.token_hex(32) stored outside the code"
        )
    return bytes(key)


def _values_list(values: Iterable[Any] | pd.Series, where: str) -> tuple[list[str], pd.Series | None]:
    series = values if isinstance(values, pd.Series) else None
    seq = list(values)
    missing = np.array([v is None or (not isinstance(v, str) and pd.isna(v)) for v in seq], dtype=bool)
    if missing.any():
        index = series.index if series is not None else pd.RangeIndex(len(seq))
        raise DataError(
            f"{where}: missing values in {first_rows(missing, index)}; "
            "drop them or decide what a missing identifier should map to first"
        )
    return [str(v) for v in seq], series


def pseudonymise(values: Iterable[Any] | pd.Series, key: bytes | str) -> pd.Series | list[str]:
    """Keyed pseudonyms: HMAC-SHA256 of each value under a secret key, as hexadecimal text.

    The same value and key always give the same pseudonym (so tables can
    still be joined); without the key nobody can compute the pseudonym of a
    guessed value, so enumeration does not work (unlike plain hashing, see
    :func:`recover_by_enumeration`).  Normalise identifiers first (e.g.
    :func:`normalise_phone`) so that two spellings get one pseudonym.

    Parameters
    ----------
    values : Series or iterable
        Identifiers; each is converted with ``str``.  Missing values raise.
    key : bytes or str
        Secret key, at least 16 bytes.  Read it from the environment
        (:func:`key_from_env`), never write it in a notebook.

    Returns
    -------
    Series or list of str
        64 hex characters per value; a Series (same index and name) when
        ``values`` is a Series, else a list.

    References
    ----------
    RFC 2104 (HMAC); PIPL Article 73(3) (去标识化 de-identification).

    Examples
    --------
    >>> key = b"0123456789abcdef-demo-only"
    >>> p = pseudonymise(["13800138000", "13800138000"], key)
    >>> p[0] == p[1], len(p[0]), p[0] == pseudonymise(["13800138000"], key + b"x")[0]
    (True, 64, False)
    """
    where = "pseudonymise"
    k = _key_bytes(key, where)
    texts, series = _values_list(values, where)
    out = [hmac.new(k, t.encode("utf-8"), hashlib.sha256).hexdigest() for t in texts]
    if series is not None:
        return pd.Series(out, index=series.index, name=series.name, dtype=object)
    return out


def sha256_hex(values: Iterable[Any] | pd.Series) -> pd.Series | list[str]:
    """Plain (unkeyed) SHA-256 of each value as hex text - shown to explain why it is NOT enough."""
    texts, series = _values_list(values, "sha256_hex")
    out = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    if series is not None:
        return pd.Series(out, index=series.index, name=series.name, dtype=object)
    return out


def demo_key(seed: int) -> bytes:
    """A DEMONSTRATION key derived from a public seed: anyone can recompute it, so it protects nothing.

    Notebooks use it so that they run anywhere; real use reads a random
    secret key with :func:`key_from_env`.
    """
    return hashlib.sha256(f"crm-lessons DEMO key (public, not secret), seed={int(seed)}".encode()).digest()


def key_from_env(name: str = KEY_ENV_VAR) -> bytes:
    """Read the pseudonymisation key from the environment variable ``name``.

    Create one once with ``python -c "import secrets; print(secrets.token_hex(32))"``
    and keep it in a secrets manager or the shell environment, never in code or a notebook.
    """
    value = os.environ.get(name)
    if not value:
        raise DataError(
            f"key_from_env: environment variable {name} is not set; create a key with "
            "secrets.token_hex(32) and set it outside the notebook"
        )
    return _key_bytes(value, "key_from_env")


@dataclass(frozen=True)
class EnumerationResult:
    """Outcome of :func:`recover_by_enumeration`."""

    recovered: dict[str, str]
    n_tried: int
    seconds: float

    @property
    def rate(self) -> float:
        """Candidates hashed per second."""
        return self.n_tried / self.seconds if self.seconds > 0 else float("inf")


def recover_by_enumeration(
    hashes: Iterable[str],
    *,
    prefix: str,
    n_unknown: int,
    key: bytes | str | None = None,
) -> EnumerationResult:
    """Try every number ``prefix + d...d`` and keep those whose hash is in ``hashes``.

    This is what an attacker does with a leaked table of SHA-256-hashed phone
    numbers: the space of mobile numbers is small, so hashing every candidate
    recovers the numbers.  With ``key`` the candidates are HMAC-ed with that
    key instead: an attacker who does not know the real key recovers nothing.

    Parameters
    ----------
    hashes : iterable of str
        Hex digests to reverse.
    prefix : str
        Digits known (e.g. the first 6-7 of an 11-digit number).
    n_unknown : int
        Number of unknown trailing digits (1-8); ``10 ** n_unknown`` candidates.
    key : bytes or str, optional
        Key the attacker uses (HMAC); None = plain SHA-256.

    Returns
    -------
    EnumerationResult
        ``recovered`` (hash -> number), ``n_tried``, ``seconds`` and ``rate``
        (candidates per second, to extrapolate the cost of the full space).

    Examples
    --------
    >>> h = sha256_hex(["13800138000"])
    >>> recover_by_enumeration(h, prefix="1380013", n_unknown=4).recovered == {h[0]: "13800138000"}
    True
    """
    where = "recover_by_enumeration"
    if not (isinstance(n_unknown, (int, np.integer)) and 1 <= n_unknown <= 8):
        raise DataError(f"{where}: n_unknown={n_unknown!r} should be an integer from 1 to 8")
    if not prefix.isdigit():
        raise DataError(f"{where}: prefix={prefix!r} should contain digits only")
    targets = set(hashes)
    k = _key_bytes(key, where) if key is not None else None
    head = prefix.encode()
    recovered: dict[str, str] = {}
    fmt = f"%0{int(n_unknown)}d".encode()
    start = time.perf_counter()
    if k is None:
        sha = hashlib.sha256
        for i in range(10 ** int(n_unknown)):
            cand = head + fmt % i
            h = sha(cand).hexdigest()
            if h in targets:
                recovered[h] = cand.decode()
    else:
        base = hmac.new(k, digestmod=hashlib.sha256)
        for i in range(10 ** int(n_unknown)):
            cand = head + fmt % i
            m = base.copy()
            m.update(cand)
            h = m.hexdigest()
            if h in targets:
                recovered[h] = cand.decode()
    seconds = time.perf_counter() - start
    return EnumerationResult(recovered=recovered, n_tried=10 ** int(n_unknown), seconds=seconds)


# --------------------------------------------------------------------------- #
# k-anonymity
# --------------------------------------------------------------------------- #
def k_anonymity(data: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The k of a table: the size of the smallest group of rows sharing all quasi-identifier values.

    A table is k-anonymous when every combination of quasi-identifiers
    (e.g. gender, birth year, city) that occurs, occurs at least k times, so
    no row can be singled out by them.  Missing values count as a value.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"gender": ["F", "F", "M", "M", "M"], "city": ["A", "A", "B", "B", "C"]})
    >>> k_anonymity(df, ["gender", "city"]), k_anonymity(df, ["gender"])
    (1, 2)
    """
    where = "k_anonymity"
    df = require_dataframe(data, where=where)
    qis = list(quasi_identifiers)
    if not qis:
        raise DataError(f"{where}: name at least one quasi-identifier column")
    require_columns(df, qis, where=where)
    return int(df.groupby(qis, dropna=False, observed=True).size().min())


def band(width: int) -> Callable[[pd.Series], pd.Series]:
    """A generaliser: numbers -> bands of ``width`` as text, e.g. 1987 -> ``'1985-1989'``.

    Examples
    --------
    >>> import pandas as pd
    >>> band(10)(pd.Series([1987, 1990])).tolist()
    ['1980-1989', '1990-1999']
    """
    if width < 1:
        raise DataError(f"band: width={width} should be >= 1")

    def generalise(values: pd.Series) -> pd.Series:
        low = (pd.to_numeric(values) // width * width).astype("Int64")
        return low.map(lambda v: "*" if pd.isna(v) else f"{v}-{v + width - 1}").astype(object)

    return generalise


def generalise_until_k(
    data: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    *,
    k: int,
    hierarchies: Mapping[str, Sequence[Callable[[pd.Series], pd.Series] | Mapping[Any, Any] | str]],
    max_suppression: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generalise quasi-identifiers step by step until the table is k-anonymous.

    Each quasi-identifier has a hierarchy: a list of generalisation levels
    applied to the *original* column, from fine to coarse.  A level is a
    function (``band(5)``), a mapping (city -> province), or ``"*"``
    (suppress the column).  At each step the column whose next level leaves
    the fewest rows in groups smaller than ``k`` is generalised one level
    (ties: the column listed first in ``quasi_identifiers`` - list first
    the one you would rather coarsen).
    When the rows still in groups smaller than ``k`` are at most
    ``max_suppression`` of the table, they are removed and the search stops.

    Parameters
    ----------
    data : DataFrame
    quasi_identifiers : sequence of str
    k : int
        Required group size (>= 2).
    hierarchies : mapping
        Column -> list of levels; columns not listed cannot be generalised.
    max_suppression : float, default 0
        Largest share of rows that may be removed.

    Returns
    -------
    (DataFrame, DataFrame)
        The generalised table (rows possibly removed) and the log of steps:
        ``step``, ``column``, ``level``, ``k``, ``rows_below_k``.

    Raises
    ------
    DataError
        k cannot be reached even with every column fully generalised and the
        allowed suppression.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"birth_year": [1981, 1983, 1986, 1988], "sex": ["F", "F", "F", "F"]})
    >>> out, log = generalise_until_k(df, ["birth_year", "sex"], k=2, hierarchies={"birth_year": [band(5), band(10)]})
    >>> out["birth_year"].tolist(), k_anonymity(out, ["birth_year", "sex"])
    (['1980-1984', '1980-1984', '1985-1989', '1985-1989'], 2)
    """
    where = "generalise_until_k"
    df = require_dataframe(data, where=where)
    qis = list(quasi_identifiers)
    require_columns(df, qis, where=where)
    if k < 2:
        raise DataError(f"{where}: k={k} should be >= 2 (every table is 1-anonymous)")
    if not 0 <= max_suppression < 1:
        raise DataError(f"{where}: max_suppression={max_suppression} should be in [0, 1)")
    unknown = [c for c in hierarchies if c not in qis]
    if unknown:
        raise DataError(f"{where}: hierarchies name columns that are not quasi-identifiers: {unknown}")

    def apply(col: str, level: int) -> pd.Series:
        rule = hierarchies[col][level - 1]
        if isinstance(rule, str):
            return pd.Series(rule, index=df.index, dtype=object)
        if isinstance(rule, Mapping):
            mapped = df[col].map(rule)
            missing = mapped.isna() & df[col].notna()
            if missing.any():
                raise DataError(
                    f"{where}: the level-{level} mapping of {col!r} has no entry for "
                    f"{sorted(map(str, df.loc[missing, col].unique()))[:5]}"
                )
            return mapped.astype(object)
        return pd.Series(rule(df[col]), index=df.index).astype(object)

    levels = {c: 0 for c in qis}
    current = df.copy()

    def sizes(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby(qis, dropna=False, observed=True)[qis[0]].transform("size")

    log = []
    step = 0
    chosen = ""  # the quasi-identifier generalised at the last step
    while True:
        size = sizes(current)
        below = int((size < k).sum())
        log.append(
            {
                "step": step,
                "column": "" if step == 0 else chosen,
                "level": 0 if step == 0 else levels[chosen],
                "k": int(size.min()),
                "rows_below_k": below,
            }
        )
        if below == 0:
            return current, pd.DataFrame(log)
        if below <= max_suppression * len(current):
            out = current[(size >= k).to_numpy()]
            log.append(
                {
                    "step": step + 1,
                    "column": "(suppress rows)",
                    "level": 0,
                    "k": int(sizes(out).min()),
                    "rows_below_k": 0,
                }
            )
            return out, pd.DataFrame(log)
        best, best_key = None, None
        for col in qis:
            if col not in hierarchies or levels[col] >= len(hierarchies[col]):
                continue
            trial = current.assign(**{col: apply(col, levels[col] + 1)})
            trial_sizes = sizes(trial)
            key = int((trial_sizes < k).sum())
            if best_key is None or key < best_key:
                best, best_key = col, key
        if best is None:
            raise DataError(
                f"{where}: k={k} cannot be reached: with every hierarchy used up, {below} rows "
                f"({below / len(current):.1%}) are still in groups smaller than k; allow more "
                "suppression (max_suppression), add coarser levels, or drop a quasi-identifier"
            )
        chosen = best
        levels[best] += 1
        current = current.assign(**{best: apply(best, levels[best])})
        step += 1
