"""The commands, one module per group; click and light modules only at import (`--help` stays
fast): each command checks its arguments, then imports its stage inside its body."""
