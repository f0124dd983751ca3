// flow.cpp: (being written)
