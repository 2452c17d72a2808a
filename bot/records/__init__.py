"""What is kept and handed out: exports, imports, redaction, pseudonyms, the audit log, a participant's own data, erasure and retention."""
