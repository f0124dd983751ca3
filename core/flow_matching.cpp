// flow_matching.cpp: (being written)
