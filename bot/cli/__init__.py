"""The `storyloom` command line, a module per group of subcommands; imports worker, bench lazily."""
