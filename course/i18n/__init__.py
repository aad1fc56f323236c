"""The Traditional Chinese edition: the zh-TW notebooks (``zh_tw``) and the message catalogs (``messages``)."""
