// bench.cpp: (being written)
