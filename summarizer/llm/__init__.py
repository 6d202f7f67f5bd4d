"""Everything about the model: client, attempts, limits, cost, tokens, prompts."""
