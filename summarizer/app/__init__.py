"""The application: the command line, its options and commands, doctor, the console a person
reads, and the demo. The only layer that turns errors into messages and exit statuses."""
