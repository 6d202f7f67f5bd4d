"""The core: records passed between stages, digest days and their windows, which papers a digest
holds, the error model, and text safety. Imports nothing else of summarizer."""
