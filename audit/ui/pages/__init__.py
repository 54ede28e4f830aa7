"""One file per page; each calls into audit.ui."""
