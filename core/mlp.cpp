// mlp.cpp: (being written)
