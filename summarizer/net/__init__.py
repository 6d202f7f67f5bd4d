"""Outbound HTTP bounded against hostile or broken servers: a deadline on the whole exchange and a
cap on what is read. Used by the stages that talk to services other than the model and arXiv
(pushes, embeddings, Zotero). Imports only the core."""
