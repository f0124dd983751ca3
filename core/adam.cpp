// adam.cpp: (being written)
