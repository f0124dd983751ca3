// image_target.cpp: (being written)
