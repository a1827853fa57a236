"""The IMAP adapter: the only importer of imapclient."""
