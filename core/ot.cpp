// ot.cpp: (being written)
