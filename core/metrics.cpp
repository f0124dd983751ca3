// metrics.cpp: (being written)
