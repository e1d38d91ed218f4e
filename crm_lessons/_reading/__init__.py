"""The rules of reading a transaction file, shared by every reader.

:mod:`crm_lessons.io` reads a file into pandas and :func:`crm_lessons.engines.read_source` reads
it on DuckDB or Spark; both are thin adapters over the rules here, so the same file gives the same
answer or the same refusal on every engine:

- :mod:`.text`: decoding (UTF-8, GBK/GB18030, UTF-16) and the delimiter of a text file;
- :mod:`.columns`: which column holds the customer, the date, the amount and the order status;
- :mod:`.values`: how a date or an amount is written (formats, Excel serials, currency signs,
  the 1678-2261 year range, the ids that mean "no id");
- :mod:`.status`: which order statuses are paid, unpaid, cancelled or refunded, per platform;
- :mod:`.messages`: the policies and the messages of every refusal;
- :mod:`.quality`: the :class:`~crm_lessons._reading.quality.DataQualityReport` both readers return.

Nothing here imports pandas-reading or engine code; the names are public to the package's readers.
"""
