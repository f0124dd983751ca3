// cli_commands.cpp: (being written)
