// model_io.cpp: (being written)
