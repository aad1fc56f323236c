"""The Traditional Chinese edition: the zh-TW notebooks (``zh_tw``), the message catalogs
(``messages``), and no line break between two CJK characters (``cjk``)."""
