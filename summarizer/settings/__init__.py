"""The settings machinery: what a setting is (`group`), the kinds of value (`kinds`), the places
they are read (`sources`), the one resolver (`resolve`) and secrets kept out of messages
(`secrets`). Each stage declares its own group in its own `settings.py`; the run composes them
(`summarizer/run/settings.py`). Imports only the core."""
