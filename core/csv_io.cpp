// csv_io.cpp: (being written)
