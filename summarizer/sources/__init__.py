"""Where papers come from: the arXiv API and a paper's full text."""
