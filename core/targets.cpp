// targets.cpp: (being written)
