"""Customer data management: a relational CRM store, data quality, duplicates, CRM choice, privacy.

The course's steps of customer identification (define the information
needed, collect it, integrate and clean it, keep it up to date, keep it
secure) each get a tested function here:

* **store** - :func:`build_customer_database` writes a small SQLite CRM
  database (customers, orders, contacts, complaints; keys, constraints,
  indexes) into a folder the caller names; :func:`customer_view`,
  :func:`customer_history`, :func:`next_best_contacts` and :func:`rfm_sql`
  are the queries a CRM system answers daily.  ``rfm_sql`` returns the
  same table as :func:`crm_lessons.rfm.rfm_table`.
* **clean** - :func:`quality_profile` (completeness, validity, uniqueness,
  consistency, timeliness per column); :func:`messy_customer_list` (a
  seeded list with known duplicates), :func:`duplicate_candidates` (fuzzy
  matching of names, phones and addresses with RapidFuzz) and
  :func:`match_quality` (precision and recall against the truth).
* **choose a system** - :func:`crm_system_types`, :func:`weighted_scores`,
  :func:`weight_ranges` and :func:`winner_shares` (a weighted scoring
  matrix and how sensitive its ranking is to the weights).
* **keep it secure** - :func:`pipl_obligations` (China's Personal
  Information Protection Law, article numbers pinned by a test),
  :func:`pseudonymise` (keyed HMAC-SHA256), :func:`recover_by_enumeration`
  (why plain hashing of phone numbers is reversible), :func:`k_anonymity`
  and :func:`generalise_until_k`.

Nothing here uses the network, and nothing is written outside the folder the
caller passes to :func:`build_customer_database`.

References
----------
Wang, R. Y. & Strong, D. M. (1996). Beyond accuracy: what data quality means
to data consumers. *Journal of Management Information Systems* 12(4), 5-33.

DAMA UK Working Group (2013). *The six primary dimensions for data quality
assessment*. DAMA UK.

Fellegi, I. P. & Sunter, A. B. (1969). A theory for record linkage.
*Journal of the American Statistical Association* 64(328), 1183-1210.

Sweeney, L. (2002). k-anonymity: a model for protecting privacy.
*International Journal of Uncertainty, Fuzziness and Knowledge-Based
Systems* 10(5), 557-570.

Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: keyed-hashing for
message authentication. RFC 2104.

中华人民共和国个人信息保护法 (Personal Information Protection Law of the
People's Republic of China), adopted 2021-08-20, in force 2021-11-01.
"""

from __future__ import annotations

from crm_lessons.customer_data._choice import (
    crm_system_types,
    weight_ranges,
    weighted_scores,
    winner_shares,
)
from crm_lessons.customer_data._duplicates import (
    duplicate_candidates,
    match_quality,
    messy_customer_list,
)
from crm_lessons.customer_data._privacy import (
    KEY_ENV_VAR,
    PIPL_ARTICLES,
    EnumerationResult,
    band,
    demo_key,
    generalise_until_k,
    k_anonymity,
    key_from_env,
    pipl_obligations,
    pseudonymise,
    recover_by_enumeration,
    sha256_hex,
)
from crm_lessons.customer_data._quality import (
    mask_phone,
    normalise_address,
    normalise_name,
    normalise_phone,
    quality_profile,
)
from crm_lessons.customer_data._records import (
    simulate_crm_records,
)
from crm_lessons.customer_data._store import (
    SCHEMA,
    build_customer_database,
    connect,
    customer_history,
    customer_view,
    next_best_contacts,
    rfm_sql,
    table_counts,
)

__all__ = [
    "SCHEMA",
    "PIPL_ARTICLES",
    "KEY_ENV_VAR",
    "simulate_crm_records",
    "build_customer_database",
    "connect",
    "table_counts",
    "customer_view",
    "customer_history",
    "next_best_contacts",
    "rfm_sql",
    "normalise_phone",
    "normalise_name",
    "normalise_address",
    "mask_phone",
    "quality_profile",
    "messy_customer_list",
    "duplicate_candidates",
    "match_quality",
    "crm_system_types",
    "weighted_scores",
    "weight_ranges",
    "winner_shares",
    "pipl_obligations",
    "pseudonymise",
    "sha256_hex",
    "demo_key",
    "key_from_env",
    "EnumerationResult",
    "recover_by_enumeration",
    "k_anonymity",
    "band",
    "generalise_until_k",
]
