// trainer.cpp: (being written)
