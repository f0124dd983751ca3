// objective.cpp: (being written)
