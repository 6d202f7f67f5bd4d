"""Local stand-ins for the services the pipeline talks to, for the offline suite and `make demo`.

`ArxivStandin` speaks the arXiv export API, `ModelStandin` the OpenAI chat-completions protocol;
both are real HTTP servers on 127.0.0.1 with faults that can be switched at run time.
"""

from .arxiv_api import ARXIV_FAULTS, ArxivStandin
from .arxiv_query import QueryError, parse_query
from .chat_format import MODEL_FAULTS, REFUSAL
from .fixtures import Fixture, Record, load_fixture
from .openai_api import ModelStandin
from .server import BackgroundServer
from .synthetic import synthetic_answer, synthetic_papers

__all__ = [
    "ARXIV_FAULTS",
    "MODEL_FAULTS",
    "REFUSAL",
    "ArxivStandin",
    "BackgroundServer",
    "Fixture",
    "ModelStandin",
    "QueryError",
    "Record",
    "load_fixture",
    "parse_query",
    "synthetic_answer",
    "synthetic_papers",
]
