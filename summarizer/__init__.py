"""summarizer: each arXiv mailing as a Chinese digest, made by an LLM."""

from .errors import SummarizerError
from .models import Brief, Detailed, Paper

__version__ = "0.1.0"
__all__ = ["Brief", "Detailed", "Paper", "SummarizerError", "__version__"]
